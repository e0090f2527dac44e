package discord

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// TestCloseWatcherSeesCloseCode dials a real gorilla websocket server that sends frames of
// every length class, then closes with a code, and checks which codes are reported fatal.
func TestCloseWatcherSeesCloseCode(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		wantFatal bool
	}{
		{"authentication failed", 4004, true},
		{"disallowed intents", 4014, true},
		{"resumable unknown error", 4000, false},
		{"normal closure", websocket.CloseNormalClosure, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				up := websocket.Upgrader{}
				c, err := up.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer c.Close()
				for _, n := range []int{0, 10, 125, 126, 300, 70000} {
					_ = c.WriteMessage(websocket.TextMessage, bytes.Repeat([]byte("x"), n))
				}
				_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(tc.code, "bye"))
				for { // wait for the client's answering close frame before dropping TCP
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			var got atomic.Int64
			w := &closeWatcher{onFatal: func(code int) { got.Store(int64(code)) }}
			c, _, err := w.dialer().Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var readErr error
			for readErr == nil {
				_, _, readErr = c.ReadMessage()
			}
			ce, ok := readErr.(*websocket.CloseError)
			if !ok || ce.Code != tc.code {
				t.Fatalf("read error %v, want close %d", readErr, tc.code)
			}
			want := int64(0)
			if tc.wantFatal {
				want = int64(tc.code)
			}
			if got.Load() != want {
				t.Errorf("onFatal saw %d, want %d", got.Load(), want)
			}
		})
	}
}

func frame(op byte, payload []byte, mask bool) []byte {
	b := []byte{0x80 | op}
	m := byte(0)
	if mask {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 65536:
		b = append(b, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if mask {
		key := []byte{1, 2, 3, 4}
		b = append(b, key...)
		for i, c := range payload {
			b = append(b, c^key[i%4])
		}
		return b
	}
	return append(b, payload...)
}

func closeFrame(code int, mask bool) []byte {
	return frame(0x8, binary.BigEndian.AppendUint16(nil, uint16(code)), mask)
}

// TestFrameParserChunking feeds one stream split at every possible point.
func TestFrameParserChunking(t *testing.T) {
	stream := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
	stream = append(stream, frame(0x1, bytes.Repeat([]byte("a"), 200), false)...)
	stream = append(stream, frame(0x9, nil, false)...)
	stream = append(stream, closeFrame(4004, true)...)
	for cut := 0; cut <= len(stream); cut++ {
		var f frameParser
		c1, ok1 := f.feed(stream[:cut])
		c2, ok2 := f.feed(stream[cut:])
		code, ok := c2, ok2
		if ok1 {
			code, ok = c1, ok1
		}
		if !ok || code != 4004 {
			t.Fatalf("cut at %d: got code %d ok=%v, want 4004", cut, code, ok)
		}
	}
}

// FuzzFrameParser: arbitrary bytes never panic, and splitting never changes the result.
func FuzzFrameParser(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 x\r\n\r\n"), 3)
	f.Add(append([]byte("HTTP/1.1 101 x\r\n\r\n"), closeFrame(4010, false)...), 20)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		var whole frameParser
		wc, wok := whole.feed(b)
		if cut < 0 {
			cut = -cut
		}
		if len(b) > 0 {
			cut %= len(b) + 1
		} else {
			cut = 0
		}
		var split frameParser
		c1, ok1 := split.feed(b[:cut])
		c2, ok2 := split.feed(b[cut:])
		if ok2 {
			c1, ok1 = c2, ok2
		}
		if wok != ok1 || (wok && wc != c1) {
			t.Fatalf("whole=(%d,%v) split=(%d,%v)", wc, wok, c1, ok1)
		}
	})
}
