package registry

import (
	"context"
	"errors"
	"testing"
	"time"
)

// lateContext has passed its deadline but its timer has not fired: the
// window in which http.Client's own Timeout cancels a wrapped transport.
type lateContext struct{ context.Context }

func (lateContext) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

func TestContextErr(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		want error
	}{
		"live":              {context.Background(), nil},
		"canceled":          {cancelled, context.Canceled},
		"deadline, unfired": {lateContext{context.Background()}, context.DeadlineExceeded},
	} {
		if got := contextErr(tc.ctx); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("%s: contextErr = %v, want %v", name, got, tc.want)
		}
	}
	st, _ := (&Session{}).TransportStatus(errors.Join(errors.New("net/http: request canceled"), contextErr(lateContext{context.Background()})))
	if st != StatusTimeout {
		t.Fatalf("a transport cancelled at the deadline is %s, want %s", st, StatusTimeout)
	}
}
