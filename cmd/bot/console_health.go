package main

import (
	"sync/atomic"
)

// consoleHTTP serves /healthz, /readyz and /metrics while an interactive console runs, so
// `docker run -it` of the image is healthy like Discord mode. Piped (one-shot) runs serve
// nothing: they exit within seconds, and a second listener on the same port would collide
// with a bot already running there. A busy port is only a warning: the console works without.
func (a *app) consoleHTTP(parts func() error) (webServer, bool) {
	ready := &atomic.Bool{}
	ready.Store(true) // the console has no gateway to wait for; /readyz still pings the store
	web, err := a.startHTTP(ready, parts)
	if err != nil {
		a.logger.Warn("console: health listener not started", "error", err)
		return webServer{}, false
	}
	return web, true
}
