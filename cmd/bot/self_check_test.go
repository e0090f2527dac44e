package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	cases := []struct {
		name, addr, want string
		err              bool
	}{
		{name: "port only", addr: ":8080", want: "http://127.0.0.1:8080/healthz"},
		{name: "ipv4 wildcard", addr: "0.0.0.0:9000", want: "http://127.0.0.1:9000/healthz"},
		{name: "ipv6 wildcard", addr: "[::]:8080", want: "http://127.0.0.1:8080/healthz"},
		{name: "specific host", addr: "10.1.2.3:80", want: "http://10.1.2.3:80/healthz"},
		{name: "ipv6 loopback", addr: "[::1]:8080", want: "http://[::1]:8080/healthz"},
		{name: "no port", addr: "localhost", err: true},
		{name: "empty port", addr: "127.0.0.1:", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := healthURL(tc.addr)
			if (err != nil) != tc.err {
				t.Fatalf("healthURL(%q) error = %v, want error %t", tc.addr, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("healthURL(%q) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

// TestSelfCheckInProcess: the flag's answer on this machine (the empty-root case is
// internal/ops's TestBinaryOnEmptyRoot).
func TestSelfCheckInProcess(t *testing.T) {
	out, errs, code := runBotArgs(t, []string{"-selfcheck"})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	for _, want := range []string{"time zone Asia/Kolkata: ok", "tls roots: ok (ISRG Root X1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func runBotArgs(t *testing.T, args []string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return out.String(), errb.String(), code
}
