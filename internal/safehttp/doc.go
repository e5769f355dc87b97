// Package safehttp is the one HTTP client every outbound request of
// credvault goes through: registry endpoints, token realms, a service
// account's token_uri, ECR proxy endpoints, and every redirect between them.
//
// # Address guard
//
// A registry URL, a realm in a WWW-Authenticate challenge and a token_uri in
// a key file are all chosen by someone else, so a request must not reach an
// address the caller did not mean to expose (SSRF). The guard classifies
// every address (see [Policy.CheckAddr]) and refuses, unless the [Policy]
// allows it:
//
//   - loopback (127.0.0.0/8, ::1) unless AllowLoopback;
//   - private, CGNAT, link-local, ULA, site-local, documentation,
//     benchmarking, reserved and other special-purpose ranges unless a
//     prefix in AllowPrivate covers the address;
//   - cloud metadata endpoints (169.254.169.254, 169.254.170.2,
//     169.254.170.23, fd00:ec2::254, fd00:ec2::23, 100.100.100.200,
//     192.0.0.192) even when a covering private range is allowed: only a
//     single-address prefix naming the endpoint itself admits it;
//   - always: unspecified (0.0.0.0, ::, which Linux routes to the local
//     host), 0.0.0.0/8, multicast and broadcast.
//
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is unmapped and judged as IPv4. NAT64
// (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4
// address they embed: a translator or relay would deliver them there.
// Teredo (2001::/32) is refused outright: it is obsolete and its client
// address is obfuscated. Host names whose last label is numeric
// (2130706433, 0177.0.0.1, 0x7f.1) are refused before any lookup: some
// resolvers read them as IPv4 in inet_aton forms.
//
// # Where the guard runs
//
// The dialer resolves the host itself, refuses the connection if any
// resolved address is refused, dials the checked addresses by IP, and checks
// the connected address again in net.Dialer.Control. A DNS answer that
// changes between a pre-flight check and the dial (DNS rebinding) is thus
// caught at the dial. Redirects are checked eagerly in CheckRedirect as
// well. [Policy.CheckURL] is the same check for callers that want to refuse
// a realm or token_uri before building a request. Every refusal is a
// *[BlockedError] matching [ErrBlocked], returned before any byte is sent.
//
// # Proxies
//
// Options.Proxy (http.ProxyFromEnvironment by default) may route a request
// through a proxy. The proxy's own address must pass Options.ProxyPolicy
// (by default the same Policy), since a corporate proxy usually sits on a
// private address that the targets must not reach. The target cannot be
// checked at the dial, since the proxy resolves it; it is checked before
// the request is handed to the proxy. With a proxy the DNS-rebinding
// protection for host names therefore depends on the proxy's resolver;
// IP-literal targets are checked fully.
//
// # Redirects and credentials
//
// At most [MaxRedirects] hops are followed; https→http is refused; and
// Authorization, Cookie and the other sensitive headers are dropped as soon
// as a hop's host:port differs from the first request's. That is stricter
// than net/http, which (shouldCopyHeaderOnRedirect) compares host names
// without ports and keeps them for subdomains: a registry at
// registry.example.com could otherwise hand the credentials to
// evil.registry.example.com or another port.
//
// # Limits
//
// TLS 1.2 at least, with certificate verification unless Options.Insecure.
// Options.Timeout (30s by default) is the whole exchange's budget, and the
// phase limits scale with it unless set: a dial to one address and a TLS
// handshake a sixth each (5s of 30s), response headers the whole budget.
// Response bodies are capped at 1 MiB by default ([ErrBodyTooLarge]).
package safehttp
