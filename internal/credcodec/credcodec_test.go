package credcodec

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/fixtures"
)

var s = credentials.NewSecret

// Obviously fake values, from AWS's documentation where one exists.
const (
	fakeKeyID     = "AKIAIOSFODNN7EXAMPLE"
	fakeTempKeyID = "ASIAIOSFODNN7EXAMPLE"
	fakeSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	fakeRoleArn   = "arn:aws:iam::123456789012:role/ecr-puller"
)

// validCredentials returns one valid value per kind, and AwsEcr also
// without its optional fields.
func validCredentials() []credentials.Credential {
	return append(fixtures.All("Zq9CnryXk7Wv"),
		credentials.AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: s(fakeSecretKey), Region: "us-east-1"})
}

// golden pins encodings sealed by earlier releases, byte for byte: a
// record sealed with any of them must keep opening. The hex was written by
// credentials.Encode before the codec moved here; never regenerate it.
var golden = []struct {
	c   credentials.Credential
	hex string
}{
	{credentials.UsernamePassword{Username: "deploy-bot", Password: s("correct horse battery staple")},
		"01010a6465706c6f792d626f741c636f727265637420686f727365206261747465727920737461706c65"},
	{credentials.UsernamePat{Username: "deploy-bot", Pat: s("ghp_EXAMPLE0000000000000000000000000000")},
		"01020a6465706c6f792d626f74276768705f4558414d504c4530303030303030303030303030303030303030303030303030303030"},
	{credentials.AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: s(fakeSecretKey), Region: "us-east-1"},
		"010314414b4941494f53464f444e4e374558414d504c4528774a616c725855746e46454d492f4b374d44454e472f62507852666943594558414d504c454b45590975732d656173742d31000000"},
	{credentials.AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: s(fakeSecretKey),
		SessionToken: s("FwoGZXIvYXdzEXAMPLE+SESSION/TOKEN=="), Region: "eu-west-1",
		RoleArn: fakeRoleArn, ExternalID: s("harborguard-org-42")},
		"01031441534941494f53464f444e4e374558414d504c4528774a616c725855746e46454d492f4b374d44454e472f62507852666943594558414d504c454b45590965752d776573742d312346776f475a5849765958647a4558414d504c452b53455353494f4e2f544f4b454e3d3d2961726e3a6177733a69616d3a3a3132333435363738393031323a726f6c652f6563722d70756c6c657212686172626f7267756172642d6f72672d3432"},
	{credentials.AzureAcr{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		ClientSecret: s("fake~client~secret")},
		"01052431313131313131312d323232322d333333332d343434342d3535353535353535353535352461616161616161612d626262622d636363632d646464642d6565656565656565656565651266616b657e636c69656e747e736563726574"},
	{credentials.HarborRobot{RobotName: "robot$ci+pusher", Secret: s("Fake0Robot0Secret0Value000000000")},
		"01060f726f626f742463692b7075736865722046616b6530526f626f74305365637265743056616c7565303030303030303030"},
	{credentials.JfrogIdentityToken{Username: "ci", IdentityToken: s("cmVmdGtuOjAxOjAwMDAwMDAwMDA6RVhBTVBMRQ")},
		"010702636926636d566d644774754f6a41784f6a41774d4441774d4441774d444136525668425456424d5251"},
}

func TestGoldenVectors(t *testing.T) {
	t.Parallel()
	for _, g := range golden {
		t.Run(string(g.c.Kind()), func(t *testing.T) {
			t.Parallel()
			want, _ := hex.DecodeString(g.hex)
			got, err := Encode(g.c)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Encode = %x, %v\nwant     %x", got, err, want)
			}
			back, err := DecodeSealed(want)
			if err != nil || !reflect.DeepEqual(back, g.c) {
				t.Fatalf("DecodeSealed = %#v, %v", back, err)
			}
		})
	}
}

// TestGoldenGoogleGar pins GoogleGar's layout: its key file, which must
// hold a real RSA key to validate, is generated per run.
func TestGoldenGoogleGar(t *testing.T) {
	t.Parallel()
	key := fixtures.ServiceAccountKey("reader@example-project.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token", "kid")
	want := binary.AppendUvarint([]byte{1, 4}, uint64(len(key)))
	want = append(want, key...)
	got, err := Encode(credentials.GoogleGar{ServiceAccountKey: s(key)})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Encode = %.40x..., %v", got, err)
	}
}

func TestCodecTable(t *testing.T) {
	t.Parallel()
	kinds := credentials.Kinds()
	if len(codecs) != len(kinds) {
		t.Fatalf("%d codecs for %d kinds", len(codecs), len(kinds))
	}
	for i, k := range codecs {
		if k.kind != kinds[i] || int(k.code) != i+1 || len(k.fields) > maxFields {
			t.Errorf("codec %d: kind %s, code %d, %d fields", i, k.kind, k.code, len(k.fields))
		}
		if c := k.build([maxFields]string{}); c.Kind() != k.kind {
			t.Errorf("codec %d builds a %s", i, c.Kind())
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		t.Run(string(c.Kind()), func(t *testing.T) {
			t.Parallel()
			enc, err := Encode(c)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if enc[0] != Version {
				t.Fatalf("version byte = %d", enc[0])
			}
			if len(enc) != cap(enc) {
				t.Errorf("Encode over-allocated: len %d cap %d", len(enc), cap(enc))
			}
			back, err := DecodeSealed(enc)
			if err != nil || back.Validate() != nil {
				t.Fatalf("DecodeSealed: %v", err)
			}
			if !reflect.DeepEqual(back, c) {
				t.Fatalf("round trip changed the value: %#v", back)
			}
			again, err := Encode(back)
			if err != nil || !bytes.Equal(again, enc) {
				t.Fatalf("encoding is not deterministic: %v", err)
			}
			ptr, err := encodePointer(c)
			if err != nil || !bytes.Equal(ptr, enc) {
				t.Fatalf("Encode(&c) differs from Encode(c): %v", err)
			}
		})
	}
}

// encodePointer encodes a pointer to a copy of c.
func encodePointer(c credentials.Credential) ([]byte, error) {
	p := reflect.New(reflect.TypeOf(c))
	p.Elem().Set(reflect.ValueOf(c))
	return Encode(p.Interface().(credentials.Credential))
}

func TestEncodeLayout(t *testing.T) {
	t.Parallel()
	long := credentials.UsernamePassword{Username: "u", Password: s(strings.Repeat("p", 300))}
	got, err := Encode(long)
	if err != nil || !bytes.Equal(got[:6], []byte{1, 1, 1, 'u', 0xac, 0x02}) {
		t.Fatalf("300-byte field length not a uvarint: %x, %v", got[:6], err)
	}
}

// foreign embeds a kind, so it satisfies Credential without being one.
type foreign struct{ credentials.UsernamePassword }

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	var nilPtr *credentials.UsernamePassword
	tests := []struct {
		name  string
		c     credentials.Credential
		want  error
		field string
	}{
		{"nil", nil, credentials.ErrUnknownKind, ""},
		{"nil pointer", nilPtr, credentials.ErrUnknownKind, ""},
		{"foreign type", foreign{credentials.UsernamePassword{Username: "u", Password: s("p")}}, credentials.ErrUnknownKind, ""},
		{"invalid", credentials.UsernamePassword{Username: "u"}, credentials.ErrMissing, "password"},
		{"invalid pointer", &credentials.AwsEcr{AccessKeyID: "x"}, credentials.ErrInvalid, "accessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := Encode(tt.c)
			if b != nil {
				t.Fatalf("Encode returned bytes with error %v", err)
			}
			checkErr(t, err, tt.want, tt.field)
		})
	}
}

func TestDecodeSealedRefuses(t *testing.T) {
	t.Parallel()
	good, err := Encode(credentials.UsernamePassword{Username: "u", Password: s("p")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    []byte
		want  error
		field string
	}{
		{"empty", nil, credentials.ErrMalformed, ""},
		{"version only", []byte{1}, credentials.ErrMalformed, ""},
		{"version 0", []byte{0, 1, 1, 'u', 1, 'p'}, credentials.ErrUnsupportedVersion, ""},
		{"version 2", []byte{2, 1, 1, 'u', 1, 'p'}, credentials.ErrUnsupportedVersion, ""},
		{"kind 0", []byte{1, 0, 1, 'u', 1, 'p'}, credentials.ErrUnknownKind, ""},
		{"kind 8", []byte{1, 8, 1, 'u', 1, 'p'}, credentials.ErrUnknownKind, ""},
		{"no fields", []byte{1, 1}, credentials.ErrMalformed, "username"},
		{"truncated length", []byte{1, 1, 1, 'u', 0x80}, credentials.ErrMalformed, "password"},
		{"truncated value", []byte{1, 1, 1, 'u', 5, 'p'}, credentials.ErrMalformed, "password"},
		{"non-minimal length", []byte{1, 1, 0x81, 0x00, 'u', 1, 'p'}, credentials.ErrMalformed, "username"},
		{"overflowing length", append([]byte{1, 1}, bytes.Repeat([]byte{0xff}, 11)...), credentials.ErrMalformed, "username"},
		{"huge length", binary.AppendUvarint([]byte{1, 1}, 1<<62), credentials.ErrTooLarge, "username"},
		{"length over cap", binary.AppendUvarint([]byte{1, 1}, credentials.MaxInputSize+1), credentials.ErrTooLarge, "username"},
		{"trailing byte", append(append([]byte{}, good...), 0), credentials.ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := DecodeSealed(tt.in)
			if c != nil {
				t.Fatalf("DecodeSealed returned %v with error %v", c, err)
			}
			checkErr(t, err, tt.want, tt.field)
		})
	}
}

// TestDecodeSealedSkipsFieldRules checks that an authenticated record a
// later rule would refuse still opens, for the caller to validate.
func TestDecodeSealedSkipsFieldRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    []byte
		want  error
		field string
	}{
		{"missing field", []byte{1, 1, 1, 'u', 0}, credentials.ErrMissing, "password"},
		{"invalid value", []byte{1, 1, 3, 'u', ':', 'v', 1, 'p'}, credentials.ErrInvalid, "username"},
		{"bad UTF-8", []byte{1, 1, 1, 0xff, 1, 'p'}, credentials.ErrInvalid, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := DecodeSealed(tt.in)
			if err != nil {
				t.Fatalf("DecodeSealed: %v", err)
			}
			checkErr(t, c.Validate(), tt.want, tt.field)
		})
	}
}

func TestDecodeEveryTruncation(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		enc, err := Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(enc) {
			if _, err := DecodeSealed(enc[:n]); err == nil {
				t.Fatalf("%s: DecodeSealed accepted %d of %d bytes", c.Kind(), n, len(enc))
			}
		}
	}
}

// TestErrorsCarryNoSecret plants a canary in every secret and checks that
// no error from a damaged encoding or an invalid credential repeats it.
func TestErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	const canary = "Zq9CnryXk7Wv"
	for _, c := range validCredentials() {
		enc, err := Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range [][]byte{enc[:len(enc)-1], append(enc[:len(enc):len(enc)], 'x'), append([]byte{9}, enc[1:]...)} {
			if _, err := DecodeSealed(bad); err == nil || strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), canary) {
				t.Fatalf("%s: damaged encoding: error %v", c.Kind(), err)
			}
		}
	}
	bad := credentials.UsernamePassword{Username: "u", Password: s(canary + "\n")}
	if _, err := Encode(bad); err == nil || strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), canary) {
		t.Fatalf("invalid credential: error %v", err)
	}
}

func FuzzDecodeSealed(f *testing.F) {
	for _, c := range validCredentials() {
		enc, err := Encode(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0x81, 0x00, 'u', 1, 'p'})
	f.Add([]byte{2, 1, 1, 'u', 1, 'p'})
	f.Add([]byte{1, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeSealed(data)
		if err != nil {
			var fe *credentials.FieldError
			if c != nil || !errors.As(err, &fe) {
				t.Fatalf("DecodeSealed error %v is not a clean *FieldError", err)
			}
			return
		}
		if c.Validate() != nil {
			return // authenticated records may predate a rule; Encode refuses them
		}
		enc, err := Encode(c)
		if err != nil {
			t.Fatalf("Encode of a decoded value: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("Encode(DecodeSealed(b)) != b:\n%x\n%x", enc, data)
		}
	})
}

func TestAppendEncodeView(t *testing.T) {
	t.Parallel()
	prefix := []byte("prefix")
	for _, c := range validCredentials() {
		out, view, err := AppendEncodeView(append([]byte(nil), prefix...), c)
		if err != nil {
			t.Fatalf("%s: %v", c.Kind(), err)
		}
		enc, _ := Encode(c)
		if !bytes.Equal(out, append(append([]byte(nil), prefix...), enc...)) {
			t.Fatalf("%s: AppendEncodeView differs from prefix+Encode", c.Kind())
		}
		if view != credentials.Describe(c) || view.Kind != c.Kind() {
			t.Fatalf("%s: view %+v, Describe %+v", c.Kind(), view, credentials.Describe(c))
		}
	}
	bad := credentials.UsernamePassword{Username: "a:b", Password: s("p")}
	out, view, err := AppendEncodeView(prefix, bad)
	if err == nil || !bytes.Equal(out, prefix) || view != (credentials.View{}) {
		t.Fatalf("invalid credential: out %q, view %+v, err %v", out, view, err)
	}
}

// checkErr asserts err matches want and is a *FieldError whose Field
// contains field.
func checkErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var fe *credentials.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	if !strings.Contains(fe.Field, field) {
		t.Fatalf("error field = %q, want it to name %q (error: %v)", fe.Field, field, err)
	}
}
