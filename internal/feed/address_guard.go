package feed

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// errBlocked marks a destination refused by the private-network guard; classify maps it to
// ClassBlocked wherever it surfaces (dial, redirect check).
var errBlocked = errors.New("feed: destination address is not public")

// blockedNets are the ranges a feed URL must not reach: a user-supplied URL pointing at them
// would let anyone on a Discord server probe the bot's own network (SSRF), e.g. cloud
// metadata at 169.254.169.254. netip's IsPrivate/IsLoopback/... cover most; these are the rest.
var blockedNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, incl. broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("::/96"),          // deprecated IPv4-compatible forms
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4 address to check.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// addressGuard decides whether a resolved IP may be dialled.
type addressGuard struct {
	allowPrivate bool
	allowNets    []netip.Prefix
	allowHosts   map[string]bool
}

// hostAllowed reports whether host is one the operator listed by name.
func (g addressGuard) hostAllowed(host string) bool {
	return g.allowHosts[strings.ToLower(strings.TrimSuffix(host, "."))]
}

// allowed reports whether addr may be dialled: public, or covered by an operator exception.
func (g addressGuard) allowed(addr netip.Addr) bool {
	if g.allowPrivate {
		return true
	}
	for _, p := range g.allowNets {
		if p.Contains(addr) || p.Contains(addr.Unmap()) {
			return true
		}
	}
	return isPublic(addr)
}

// isPublic reports whether addr is a globally routable unicast address. IPv4-mapped and
// NAT64 forms are judged by the IPv4 address they carry.
func isPublic(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is6() && nat64.Contains(addr) {
		b := addr.As16()
		addr = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsLoopback() || addr.IsPrivate() ||
		addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() || addr.IsMulticast() ||
		addr.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range blockedNets {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// control is a net.Dialer Control hook: it runs after DNS resolution and before connect(),
// on the exact address about to be dialled, so neither DNS tricks (rebinding, a public name
// resolving to 127.0.0.1) nor redirects can get around the guard.
func (g addressGuard) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", errBlocked, address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", errBlocked, address, err)
	}
	if !g.allowed(addr) {
		return fmt.Errorf("%w: %s", errBlocked, addr)
	}
	return nil
}

// checkHost refuses an IP-literal host before any request is made (used for redirect
// targets, to fail fast with a clear reason); hostnames are left to the dial-time check.
func (g addressGuard) checkHost(host string) error {
	if g.hostAllowed(host) {
		return nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	if !g.allowed(addr.WithZone("")) {
		return fmt.Errorf("%w: %s", errBlocked, addr)
	}
	return nil
}
