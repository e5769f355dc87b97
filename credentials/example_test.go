package credentials_test

import (
	"encoding/json"
	"errors"
	"fmt"

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

func ExampleDescribeValid() {
	c := credentials.UsernamePassword{Username: "deploy:bot", Password: credentials.NewSecret("hunter2")}
	view, err := credentials.DescribeValid(c)
	var fe *credentials.FieldError
	fmt.Println(view.Kind, errors.As(err, &fe), fe.Field, errors.Is(err, credentials.ErrInvalid))
	// Output:
	// UsernamePassword true username true
}
