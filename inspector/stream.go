package inspector

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/wmsmock/wms-mock/receiver"
)

// Pace of the change feed.
const (
	// streamBatch gathers the updates of a burst into one message, so that
	// a load test sends the page a few messages a second, not thousands.
	streamBatch = 100 * time.Millisecond
	// heartbeat keeps an idle stream open through proxies that close
	// silent connections.
	heartbeat = 15 * time.Second
	// writeWait bounds each write to the stream: a page that stopped
	// reading is let go.
	writeWait = 10 * time.Second
	// maxChanged bounds the session IDs one message lists.
	maxChanged = 50
)

// change is one message of the feed: what changed since the last one. The
// page re-reads what it shows when it is touched.
type change struct {
	Sessions []string `json:"sessions"`
	// Many says more sessions changed than Sessions lists.
	Many    bool `json:"many,omitempty"`
	Refused int  `json:"refused,omitempty"`
	// Dropped counts the updates the receiver could not hand this feed:
	// the page re-reads everything.
	Dropped uint64 `json:"dropped,omitempty"`
}

func (c *change) add(u receiver.Update, dropped uint64) {
	c.Dropped += u.Dropped - dropped
	if u.Refusal != nil {
		c.Refused++
		return
	}
	id := u.Accepted.SessionID
	for _, s := range c.Sessions {
		if s == id {
			return
		}
	}
	if len(c.Sessions) < maxChanged {
		c.Sessions = append(c.Sessions, id)
	} else {
		c.Many = true
	}
}

// stream serves the change feed as Server-Sent Events until the page goes.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	ctl := http.NewResponseController(w)
	send := func(s string) bool {
		// The server's own WriteTimeout would end the stream, and a
		// deadline that passed cannot be moved: each write sets one past
		// the next heartbeat.
		_ = ctl.SetWriteDeadline(time.Now().Add(h.beat + writeWait))
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return ctl.Flush() == nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	updates := h.rc.Subscribe(r.Context())
	if !send("retry: 1000\n: connected\n\n") {
		return
	}
	batch := time.NewTimer(streamBatch)
	batch.Stop()
	beat := time.NewTicker(h.beat)
	defer beat.Stop()
	var (
		pending = change{Sessions: []string{}}
		armed   bool
		dropped uint64
	)
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				return
			}
			pending.add(u, dropped)
			dropped = u.Dropped
			if !armed {
				batch.Reset(streamBatch)
				armed = true
			}
		case <-batch.C:
			armed = false
			data, _ := json.Marshal(pending)
			pending = change{Sessions: []string{}}
			if !send("data: " + string(data) + "\n\n") {
				return
			}
		case <-beat.C:
			if !send(": ping\n\n") {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}
