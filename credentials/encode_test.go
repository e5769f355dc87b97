package credentials

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		t.Run(string(c.Kind()), func(t *testing.T) {
			t.Parallel()
			enc, err := Encode(c)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if enc[0] != EncodingVersion {
				t.Fatalf("version byte = %d", enc[0])
			}
			if len(enc) != cap(enc) {
				t.Errorf("Encode over-allocated: len %d cap %d", len(enc), cap(enc))
			}
			back, err := Decode(enc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
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
func encodePointer(c Credential) ([]byte, error) {
	p := reflect.New(reflect.TypeOf(c))
	p.Elem().Set(reflect.ValueOf(c))
	return Encode(p.Interface().(Credential))
}

func TestEncodeLayout(t *testing.T) {
	t.Parallel()
	c := AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"}
	var want []byte
	want = append(want, 1, 3)
	for _, f := range []string{fakeKeyID, fakeSecretKey, "us-east-1", "", "", ""} {
		want = append(want, byte(len(f)))
		want = append(want, f...)
	}
	got, err := Encode(c)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Encode = %x, %v\nwant     %x", got, err, want)
	}
	long := UsernamePassword{Username: "u", Password: NewSecret(strings.Repeat("p", 300))}
	got, err = Encode(long)
	if err != nil || !bytes.Equal(got[:6], []byte{1, 1, 1, 'u', 0xac, 0x02}) {
		t.Fatalf("300-byte field length not a uvarint: %x, %v", got[:6], err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	var nilPtr *UsernamePassword
	tests := []struct {
		name  string
		c     Credential
		want  error
		field string
	}{
		{"nil", nil, ErrUnknownKind, ""},
		{"nil pointer", nilPtr, ErrUnknownKind, ""},
		{"invalid", UsernamePassword{Username: "u"}, ErrMissing, "password"},
		{"invalid pointer", &AwsEcr{AccessKeyID: "x"}, ErrInvalid, "accessKeyId"},
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

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	good, err := Encode(UsernamePassword{Username: "u", Password: NewSecret("p")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    []byte
		want  error
		field string
	}{
		{"empty", nil, ErrMalformed, ""},
		{"version only", []byte{1}, ErrMalformed, ""},
		{"version 0", []byte{0, 1, 1, 'u', 1, 'p'}, ErrUnsupportedVersion, ""},
		{"version 2", []byte{2, 1, 1, 'u', 1, 'p'}, ErrUnsupportedVersion, ""},
		{"kind 0", []byte{1, 0, 1, 'u', 1, 'p'}, ErrUnknownKind, ""},
		{"kind 8", []byte{1, 8, 1, 'u', 1, 'p'}, ErrUnknownKind, ""},
		{"no fields", []byte{1, 1}, ErrMalformed, "username"},
		{"truncated length", []byte{1, 1, 1, 'u', 0x80}, ErrMalformed, "password"},
		{"truncated value", []byte{1, 1, 1, 'u', 5, 'p'}, ErrMalformed, "password"},
		{"non-minimal length", []byte{1, 1, 0x81, 0x00, 'u', 1, 'p'}, ErrMalformed, "username"},
		{"overflowing length", append([]byte{1, 1}, bytes.Repeat([]byte{0xff}, 11)...), ErrMalformed, "username"},
		{"huge length", binary.AppendUvarint([]byte{1, 1}, 1<<62), ErrTooLarge, "username"},
		{"length over cap", binary.AppendUvarint([]byte{1, 1}, MaxInputSize+1), ErrTooLarge, "username"},
		{"trailing byte", append(append([]byte{}, good...), 0), ErrMalformed, ""},
		{"missing field", []byte{1, 1, 1, 'u', 0}, ErrMissing, "password"},
		{"invalid value", []byte{1, 1, 3, 'u', ':', 'v', 1, 'p'}, ErrInvalid, "username"},
		{"bad UTF-8", []byte{1, 1, 1, 0xff, 1, 'p'}, ErrInvalid, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Decode(tt.in)
			if c != nil {
				t.Fatalf("Decode returned %v with error %v", c, err)
			}
			checkErr(t, err, tt.want, tt.field)
			// DecodeSealed checks the same encoding but not the field rules.
			c, err = DecodeSealed(tt.in)
			switch {
			case !isFieldRule(tt.want) && c != nil:
				t.Fatalf("DecodeSealed returned %v with error %v", c, err)
			case !isFieldRule(tt.want):
				checkErr(t, err, tt.want, tt.field)
			case err != nil || c.Validate() == nil:
				t.Fatalf("DecodeSealed = %v, %v; want the invalid value, which Validate refuses", c, err)
			}
		})
	}
}

// isFieldRule reports whether err is a validation outcome rather than an
// encoding error.
func isFieldRule(err error) bool { return err == ErrMissing || err == ErrInvalid }

func TestDecodeEveryTruncation(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		enc, err := Encode(c)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(enc) {
			if _, err := Decode(enc[:n]); err == nil {
				t.Fatalf("%s: Decode accepted %d of %d bytes", c.Kind(), n, len(enc))
			}
		}
	}
}

func FuzzDecode(f *testing.F) {
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
		sealed, sealedErr := DecodeSealed(data)
		c, err := Decode(data)
		if sealedErr == nil && (err == nil) != (sealed.Validate() == nil) {
			t.Fatalf("Decode (%v) disagrees with DecodeSealed+Validate", err)
		}
		if err != nil {
			var fe *FieldError
			if c != nil || !errors.As(err, &fe) {
				t.Fatalf("Decode error %v is not a clean *FieldError", err)
			}
			if sealedErr != nil && err.Error() != sealedErr.Error() {
				t.Fatalf("Decode error %v, DecodeSealed error %v", err, sealedErr)
			}
			return
		}
		if !reflect.DeepEqual(c, sealed) {
			t.Fatalf("Decode and DecodeSealed disagree: %#v vs %#v", c, sealed)
		}
		enc, err := Encode(c)
		if err != nil {
			t.Fatalf("Encode of a decoded value: %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("Encode(Decode(b)) != b:\n%x\n%x", enc, data)
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
		if view != Describe(c) || view.Kind != c.Kind() {
			t.Fatalf("%s: view %+v, Describe %+v", c.Kind(), view, Describe(c))
		}
	}
	bad := UsernamePassword{Username: "a:b", Password: NewSecret("p")}
	out, view, err := AppendEncodeView(prefix, bad)
	if err == nil || !bytes.Equal(out, prefix) || view != (View{}) {
		t.Fatalf("invalid credential: out %q, view %+v, err %v", out, view, err)
	}
}
