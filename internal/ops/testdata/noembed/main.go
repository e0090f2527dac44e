// Command noembed is the control of the empty-root test: a static binary WITHOUT the embedded
// time-zone database and CA roots. Inside the test's chroot it must fail both checks; if it
// passes, the chroot is not empty and the real check proves nothing.
package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"time"
)

func main() {
	failed := false
	if _, err := time.LoadLocation("Asia/Kolkata"); err != nil {
		fmt.Println("time zones: missing:", err)
		failed = true
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool.Equal(x509.NewCertPool()) {
		fmt.Println("tls roots: missing")
		failed = true
	}
	if failed {
		os.Exit(1)
	}
	fmt.Println("both present")
}
