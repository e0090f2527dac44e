// Package feed fetches and parses news feeds for Herald.
//
// Fetcher does the network side with its own hardened HTTP client: conditional GETs, size
// and time limits, a redirect cap, server freshness hints, and a dial-time guard that keeps
// user-supplied URLs away from private networks. Parse does the document side: it converts
// any encoding to UTF-8 before gofeed sees the bytes. Every failure is an *Error whose Class
// tells the poller what to do (retry later, back off, disable) and the user what went wrong.
package feed
