package discord

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// fatalCloseCodes are gateway close codes after which reconnecting is pointless: the token,
// shard or intents are wrong, and Discord counts every IDENTIFY against a daily limit.
var fatalCloseCodes = map[int]string{
	4004: "authentication failed (bad bot token)",
	4010: "invalid shard",
	4011: "sharding required",
	4012: "invalid API version",
	4013: "invalid intents",
	4014: "disallowed intents",
}

// ErrUnauthorized means Discord rejected the bot token (REST 401 or gateway close 4004):
// retrying cannot help, so main should exit and say so.
var ErrUnauthorized = errors.New("discord: bot token rejected")

// FatalCloseError is a gateway close Herald must not reconnect after.
type FatalCloseError struct {
	Code   int
	Reason string
}

// Is makes a 4004 close match ErrUnauthorized.
func (e *FatalCloseError) Is(target error) bool { return target == ErrUnauthorized && e.Code == 4004 }

func (e *FatalCloseError) Error() string {
	return fmt.Sprintf("discord: gateway closed with %d: %s; not reconnecting", e.Code, e.Reason)
}

// closeWatcher observes the close frames the gateway sends. discordgo v0.29 hides the close
// code: its listener treats every read error alike and reconnects, and its Session keeps the
// websocket unexported. Watching the bytes of our own dialled connection is the one place
// the code is visible before discordgo acts on it; onFatal runs on discordgo's reading
// goroutine, before it decides to reconnect.
type closeWatcher struct {
	onFatal func(code int)
	// closed is set by Gateway.Close: dialing then fails with discordgo.ErrWSAlreadyOpen, the
	// one error that ends discordgo's reconnect loop, which Close cannot stop otherwise (a
	// heartbeat failing on the closed socket starts one that retries forever).
	closed atomic.Bool
}

// dialer returns a websocket dialer whose connections report fatal close codes. It copies
// the default dialer's settings rather than mutating websocket.DefaultDialer, which
// discordgo.New shares between sessions.
func (w *closeWatcher) dialer() *websocket.Dialer {
	d := *websocket.DefaultDialer
	nd := &net.Dialer{}
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if w.closed.Load() {
			return nil, discordgo.ErrWSAlreadyOpen
		}
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &sniffConn{Conn: c, w: w}, nil
	}
	d.NetDialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if w.closed.Load() {
			return nil, discordgo.ErrWSAlreadyOpen
		}
		host, _, _ := net.SplitHostPort(addr)
		td := &tls.Dialer{NetDialer: nd, Config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
		c, err := td.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &sniffConn{Conn: c, w: w}, nil
	}
	return &d
}

// sniffConn parses the server-to-client websocket frame headers passing through Read.
type sniffConn struct {
	net.Conn
	w  *closeWatcher
	mu sync.Mutex
	fp frameParser
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		code, ok := c.fp.feed(p[:n])
		c.mu.Unlock()
		if ok && c.w.onFatal != nil {
			if _, fatal := fatalCloseCodes[code]; fatal {
				c.w.onFatal(code)
			}
		}
	}
	return n, err
}

// frameParser is an incremental RFC 6455 frame reader that skips payloads except a close
// frame's status code. The first bytes of the stream are the HTTP upgrade response, skipped
// up to the blank line.
type frameParser struct {
	inHTTP   bool
	started  bool
	httpTail []byte
	hdr      []byte
	payload  uint64
	isClose  bool
	masked   bool
	closeBuf []byte
}

// feed consumes bytes and reports the status code of a close frame completed in them.
func (f *frameParser) feed(b []byte) (code int, ok bool) {
	if !f.started {
		f.started, f.inHTTP = true, true
	}
	for len(b) > 0 {
		if f.inHTTP {
			b = f.skipHTTP(b)
			continue
		}
		if f.payload > 0 {
			b = f.eatPayload(b)
			if f.payload == 0 && f.isClose && len(f.closeBuf) >= 2 {
				code, ok = int(binary.BigEndian.Uint16(f.closeBuf[:2])), true
			}
			continue
		}
		b = f.eatHeader(b)
	}
	return code, ok
}

func (f *frameParser) skipHTTP(b []byte) []byte {
	for i, c := range b {
		f.httpTail = append(f.httpTail, c)
		if len(f.httpTail) > 4 {
			f.httpTail = f.httpTail[1:]
		}
		if string(f.httpTail) == "\r\n\r\n" {
			f.inHTTP = false
			return b[i+1:]
		}
	}
	return nil
}

// eatHeader accumulates one frame header (2 to 14 bytes) and sets up its payload.
func (f *frameParser) eatHeader(b []byte) []byte {
	for len(b) > 0 {
		f.hdr = append(f.hdr, b[0])
		b = b[1:]
		if len(f.hdr) >= 2 && len(f.hdr) == headerLen(f.hdr[1]) {
			f.startPayload()
			return b
		}
	}
	return b
}

func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

func (f *frameParser) startPayload() {
	h := f.hdr
	f.isClose = h[0]&0x0f == 0x8
	f.masked = h[1]&0x80 != 0
	ln := uint64(h[1] & 0x7f)
	switch ln {
	case 126:
		ln = uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		ln = binary.BigEndian.Uint64(h[2:10])
	}
	f.payload = ln
	f.closeBuf = f.closeBuf[:0]
	if !f.masked {
		f.hdr = f.hdr[:0]
		return
	}
	f.closeBuf = append(f.closeBuf[:0], h[len(h)-4:]...) // mask key first, unmasked below
	f.hdr = f.hdr[:0]
}

func (f *frameParser) eatPayload(b []byte) []byte {
	n := uint64(len(b))
	if n > f.payload {
		n = f.payload
	}
	if f.isClose {
		f.collectClose(b[:n])
	}
	f.payload -= n
	return b[n:]
}

// collectClose keeps a close frame's first two payload bytes, unmasking them if needed.
func (f *frameParser) collectClose(p []byte) {
	off := 0
	if f.masked {
		off = 4
	}
	for _, c := range p {
		i := len(f.closeBuf) - off
		if i >= 2 {
			break
		}
		if f.masked {
			c ^= f.closeBuf[i%4]
		}
		f.closeBuf = append(f.closeBuf, c)
	}
	if f.masked && len(f.closeBuf) >= off+2 {
		f.closeBuf = append(f.closeBuf[:0], f.closeBuf[off:off+2]...)
		f.masked = false
	}
}
