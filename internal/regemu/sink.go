package regemu

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
)

// A Sink is a server a registry redirects to; it records whether any
// request carried an Authorization header and answers 200.
type Sink struct {
	URL  string
	srv  *httptest.Server
	auth atomic.Bool
	hits atomic.Int64
}

// NewSink starts a sink on loopback (plain http, or TLS).
func NewSink(tls bool) *Sink {
	s := &Sink{}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.hits.Add(1)
		if req.Header.Get("Authorization") != "" {
			s.auth.Store(true)
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	s.srv = newServer(h, tls)
	s.URL = s.srv.URL
	return s
}

// SawAuthorization reports whether any request carried Authorization.
func (s *Sink) SawAuthorization() bool { return s.auth.Load() }

// Hits counts the requests received.
func (s *Sink) Hits() int64 { return s.hits.Load() }

// Close stops the sink.
func (s *Sink) Close() { s.srv.Close() }
