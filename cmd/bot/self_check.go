package main

import (
	"context"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	// The image may run on an empty root (distroless static, scratch, a chroot): the IANA
	// time-zone database and Mozilla's CA roots travel inside the binary. Both are used only
	// when the system has none, so a host's own zoneinfo and CA bundle still win.
	_ "golang.org/x/crypto/x509roots/fallback"
	_ "time/tzdata"
)

// probeRoot is ISRG Root X1 (Let's Encrypt), a public certificate: -selfcheck verifies it
// against the pool TLS clients use, which proves real web roots are present and usable.
//
//go:embed isrg_root_x1.pem
var probeRoot []byte

// probeZone is a zone with a non-hour offset: loading it proves the database is there.
const probeZone = "Asia/Kolkata"

// selfCheck is `bot -selfcheck`: it reports whether time zones load and TLS roots verify,
// with no network, so an operator (or a test) can check an image with an empty root.
func selfCheck(out io.Writer) error {
	loc, err := time.LoadLocation(probeZone)
	if err != nil {
		return fmt.Errorf("selfcheck: time zones: %w", err)
	}
	name, offset := time.Date(2024, 8, 15, 12, 0, 0, 0, loc).Zone()
	fmt.Fprintf(out, "time zone %s: ok (%s, UTC%+.1fh)\n", probeZone, name, float64(offset)/3600)
	subject, err := verifyProbeRoot()
	if err != nil {
		return fmt.Errorf("selfcheck: TLS roots: %w", err)
	}
	fmt.Fprintf(out, "tls roots: ok (%s verifies against the system pool)\n", subject)
	return nil
}

func verifyProbeRoot() (string, error) {
	block, _ := pem.Decode(probeRoot)
	if block == nil {
		return "", errors.New("embedded probe certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("parsing the probe certificate: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return "", fmt.Errorf("no system pool: %w", err)
	}
	// A fixed time inside the root's validity keeps the check independent of the clock.
	opts := x509.VerifyOptions{Roots: pool, CurrentTime: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := cert.Verify(opts); err != nil {
		return "", err
	}
	return cert.Subject.CommonName, nil
}

// healthCheck is `bot -healthcheck`, the image's HEALTHCHECK: distroless has no shell or
// curl, so the binary asks its own listener for /healthz and exits 0 or 1.
func healthCheck(ctx context.Context, httpAddr string, out io.Writer) error {
	url, err := healthURL(httpAddr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintln(out, "healthy")
	return nil
}

// healthURL turns HERALD_HTTP_ADDR into the URL of /healthz: a wildcard or empty host is
// reached on loopback, a specific host as given.
func healthURL(httpAddr string) (string, error) {
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil || port == "" {
		return "", fmt.Errorf("healthcheck: HERALD_HTTP_ADDR=%q: want host:port or :port", httpAddr)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
