package feed

import (
	"errors"
	"net/netip"
	"testing"
)

func TestAddressGuard(t *testing.T) {
	defaultGuard := addressGuard{}
	allowLoopback := addressGuard{allowNets: loopbackOnly}
	tests := []struct {
		name  string
		guard addressGuard
		addr  string
		want  bool
	}{
		{name: "public v4", guard: defaultGuard, addr: "93.184.216.34", want: true},
		{name: "public v6", guard: defaultGuard, addr: "2606:4700:4700::1111", want: true},
		{name: "mapped public v4", guard: defaultGuard, addr: "::ffff:93.184.216.34", want: true},
		{name: "loopback", guard: defaultGuard, addr: "127.0.0.1"},
		{name: "loopback range", guard: defaultGuard, addr: "127.0.0.2"},
		{name: "loopback v6", guard: defaultGuard, addr: "::1"},
		{name: "rfc1918 10/8", guard: defaultGuard, addr: "10.1.2.3"},
		{name: "rfc1918 172.16/12", guard: defaultGuard, addr: "172.31.255.255"},
		{name: "rfc1918 192.168/16", guard: defaultGuard, addr: "192.168.1.1"},
		{name: "unique local v6", guard: defaultGuard, addr: "fd00::2"},
		{name: "link-local", guard: defaultGuard, addr: "169.254.1.1"},
		{name: "cloud metadata", guard: defaultGuard, addr: "169.254.169.254"},
		{name: "link-local v6", guard: defaultGuard, addr: "fe80::1"},
		{name: "multicast", guard: defaultGuard, addr: "224.0.0.1"},
		{name: "multicast v6", guard: defaultGuard, addr: "ff02::1"},
		{name: "unspecified", guard: defaultGuard, addr: "0.0.0.0"},
		{name: "unspecified v6", guard: defaultGuard, addr: "::"},
		{name: "this network", guard: defaultGuard, addr: "0.1.2.3"},
		{name: "cgnat", guard: defaultGuard, addr: "100.64.0.1"},
		{name: "cgnat top", guard: defaultGuard, addr: "100.127.255.254"},
		{name: "just outside cgnat", guard: defaultGuard, addr: "100.128.0.1", want: true},
		{name: "broadcast", guard: defaultGuard, addr: "255.255.255.255"},
		{name: "mapped loopback", guard: defaultGuard, addr: "::ffff:127.0.0.1"},
		{name: "mapped metadata", guard: defaultGuard, addr: "::ffff:169.254.169.254"},
		{name: "mapped rfc1918", guard: defaultGuard, addr: "::ffff:10.0.0.1"},
		{name: "nat64 metadata", guard: defaultGuard, addr: "64:ff9b::a9fe:a9fe"},
		{name: "nat64 public", guard: defaultGuard, addr: "64:ff9b::5db8:d822", want: true},
		{name: "ipv4-compatible loopback", guard: defaultGuard, addr: "::127.0.0.1"},
		{name: "allow net hit", guard: allowLoopback, addr: "127.0.0.1", want: true},
		{name: "allow net hit mapped", guard: allowLoopback, addr: "::ffff:127.0.0.1", want: true},
		{name: "allow net miss", guard: allowLoopback, addr: "127.0.0.2"},
		{name: "allow private", guard: addressGuard{allowPrivate: true}, addr: "169.254.169.254", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := netip.MustParseAddr(tc.addr)
			if got := tc.guard.allowed(addr); got != tc.want {
				t.Errorf("allowed(%s) = %v, want %v", addr, got, tc.want)
			}
			err := tc.guard.control("tcp", netip.AddrPortFrom(addr, 80).String(), nil)
			if blocked := errors.Is(err, errBlocked); blocked == tc.want {
				t.Errorf("control(%s) = %v, want blocked=%v", addr, err, !tc.want)
			}
		})
	}
}

func TestAddressGuardCheckHost(t *testing.T) {
	g := addressGuard{}
	tests := []struct {
		host        string
		wantBlocked bool
	}{
		{host: "example.com"}, // names are checked at dial time
		{host: "93.184.216.34"},
		{host: "169.254.169.254", wantBlocked: true},
		{host: "::ffff:127.0.0.1", wantBlocked: true},
		{host: "fe80::1%eth0", wantBlocked: true},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			if err := g.checkHost(tc.host); errors.Is(err, errBlocked) != tc.wantBlocked {
				t.Errorf("checkHost(%q) = %v, want blocked=%v", tc.host, err, tc.wantBlocked)
			}
		})
	}
	if err := g.control("tcp", "not-an-address", nil); !errors.Is(err, errBlocked) {
		t.Errorf("control on an unparsable address = %v, want blocked", err)
	}
}
