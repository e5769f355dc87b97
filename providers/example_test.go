package providers_test

import (
	"context"
	"fmt"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
)

// ExampleTestConnection checks a robot account against a Harbor emulator.
// A real target names the Harbor URL and keeps the zero Options.
func ExampleTestConnection() {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.Harbor, Username: "robot$library+ci", Password: "s3cret", TLS: true})
	if err != nil {
		panic(err)
	}
	defer reg.Close()
	target := providers.Target{Provider: providers.Harbor, URL: reg.URL}
	opts := providers.Options{AllowLoopback: true, RootCAs: reg.CertPool()} // tests only
	for _, secret := range []string{"s3cret", "wrong"} {
		cred := credentials.HarborRobot{RobotName: "robot$library+ci", Secret: credentials.NewSecret(secret)}
		r := providers.TestConnection(context.Background(), target, cred, opts)
		fmt.Printf("%s authenticated=%v roundTrips=%d code=%q\n", r.Status, r.Authenticated, r.RoundTrips, r.ProviderCode)
	}
	// Output:
	// healthy authenticated=true roundTrips=1 code=""
	// auth_failed authenticated=false roundTrips=1 code="UNAUTHORIZED"
}
