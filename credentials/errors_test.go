package credentials

import (
	"errors"
	"strings"
	"testing"
)

// checkErr asserts err matches want (nil for success) and, when want is
// set, that it is a *FieldError whose Field contains field.
func checkErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	if !strings.Contains(fe.Field, field) {
		t.Fatalf("error field = %q, want it to name %q (error: %v)", fe.Field, field, err)
	}
}

// TestFieldError pins the shape other packages build and match:
// "<sentinel>: <field>: <reason>", the field left out when empty.
func TestFieldError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *FieldError
		want string
	}{
		{&FieldError{Field: "region", Reason: "required", Err: ErrMissing}, "credentials: missing field: region: required"},
		{&FieldError{Reason: "input exceeds 65536 bytes", Err: ErrTooLarge}, "credentials: input too large: input exceeds 65536 bytes"},
		{&FieldError{Field: "url", Reason: "bad"}, "credentials: error: url: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if errors.Unwrap(tt.err) != tt.err.Err || tt.err.Err != nil && !errors.Is(tt.err, tt.err.Err) {
			t.Errorf("%q does not unwrap to its sentinel", tt.want)
		}
	}
}
