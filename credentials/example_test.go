package credentials_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/credvault/credvault/credentials"
)

func ExampleParse() {
	c, err := credentials.Parse([]byte(`{"username":"deploy-bot","pat":"ghp_EXAMPLE0000000000000000000000000000"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Kind())
	fmt.Printf("%+v\n", c)

	_, err = credentials.Parse([]byte(`{"username":"deploy-bot","token":"ghp_EXAMPLE"}`))
	var fe *credentials.FieldError
	fmt.Println(errors.Is(err, credentials.ErrUnknownField), errors.As(err, &fe), fe.Field)
	// Output:
	// UsernamePat
	// {Username:deploy-bot Pat:[REDACTED]}
	// true true token
}

func ExampleSecret() {
	s := credentials.NewSecret("hunter2")
	fmt.Println(s)
	fmt.Printf("%q %x %#v\n", s, s, s)
	b, _ := json.Marshal(credentials.UsernamePassword{Username: "admin", Password: s})
	fmt.Println(string(b))
	fmt.Println(len(s.Reveal()))
	// Output:
	// [REDACTED]
	// "[REDACTED]" [REDACTED] credentials.Secret("[REDACTED]")
	// {"username":"admin","password":"[REDACTED]"}
	// 7
}

func ExampleDescribe() {
	c := credentials.AwsEcr{
		AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: credentials.NewSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		Region:          "us-east-1",
	}
	b, _ := json.Marshal(credentials.Describe(c))
	fmt.Println(string(b))
	// Output:
	// {"kind":"AwsEcr","accessKeyId":"AKIAIOSFODNN7EXAMPLE","region":"us-east-1"}
}

func ExampleEncode() {
	c := credentials.HarborRobot{RobotName: "robot$library+ci", Secret: credentials.NewSecret("FakeSecret1")}
	sealed, err := credentials.Encode(c)
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := credentials.Decode(sealed)
	fmt.Println(sealed[0], back.Kind(), err, back.(credentials.HarborRobot).Secret.Equal(c.Secret))
	// Output:
	// 1 HarborRobot <nil> true
}

func ExampleNewAPIKey() {
	key, stored, err := credentials.NewAPIKey("hg_ak_")
	if err != nil {
		fmt.Println(err)
		return
	}
	plaintext := key.Reveal() // show once to the user, never store
	fmt.Println(strings.HasPrefix(plaintext, "hg_ak_"+stored.ID+"_"))
	fmt.Println(strings.HasPrefix(stored.String(), "sha256:hg_ak_:"))

	id, _ := credentials.APIKeyLookupID(plaintext) // find the stored row by id
	fmt.Println(id == stored.ID)
	fmt.Println(credentials.VerifyAPIKey(stored, plaintext))
	fmt.Println(credentials.VerifyAPIKey(stored, plaintext+"x"))
	// Output:
	// true
	// true
	// true
	// true
	// false
}
