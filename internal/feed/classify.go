package feed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// classify names the kind of a transport error. Order matters: the guard's refusal arrives
// wrapped in a dial error, and a DNS error can also be a timeout.
func classify(err error) ErrorClass {
	switch {
	case errors.Is(err, errBlocked):
		return ClassBlocked
	case errors.Is(err, errTooManyRedirects):
		return ClassRedirects
	case errors.Is(err, errBadScheme):
		return ClassInvalid
	case isDNS(err):
		return ClassDNS
	case isTimeout(err):
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case isTLS(err):
		return ClassTLS
	}
	return ClassNetwork
}

func isDNS(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

func isTLS(err error) bool {
	var (
		recordErr   tls.RecordHeaderError
		alertErr    tls.AlertError
		verifyErr   *tls.CertificateVerificationError
		unknownErr  x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
	)
	return errors.As(err, &recordErr) || errors.As(err, &alertErr) || errors.As(err, &verifyErr) ||
		errors.As(err, &unknownErr) || errors.As(err, &hostnameErr) || errors.As(err, &invalidErr)
}
