package stored_test

import (
	"context"
	"fmt"
	"os"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// Test a stored credential for a self-hosted Harbor behind a private CA,
// whose robot accounts use a custom prefix: both are sealed with the
// credential, so the check needs nothing but the record's key. An
// in-process registry emulator stands in for Harbor; a real program
// keeps the zero providers.Options.
func ExampleTest() {
	ctx := context.Background()
	robot := credentials.HarborRobot{RobotName: "svc@library+ci", Secret: credentials.NewSecret("example-robot-secret")}
	harbor, err := regemu.Start(regemu.Config{Flavor: regemu.Harbor, Username: robot.RobotName, Password: robot.Secret.Reveal(), TLS: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer harbor.Close()

	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)

	k := vault.Key{Org: "acme", Registry: "harbor"}
	_, err = v.Put(ctx, k, vault.Entry{
		Provider: providers.Harbor, URL: harbor.URL,
		RobotPrefix: "svc@", CABundle: harbor.CertPEM(), // the instance's robot prefix and private CA
		Credential: robot,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The emulator listens on loopback, which only tests may allow.
	res := stored.Test(ctx, v, k, providers.Options{AllowLoopback: true})
	fmt.Println(res.Status)
	// Output: healthy
}
