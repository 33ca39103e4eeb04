package receiver

import (
	"container/heap"
	"errors"
	"sync"
)

// Why a body could not take its share of the budget.
var (
	errBudgetFull = errors.New("the body budget is full")
	errShed       = errors.New("cut off to make room for a smaller body")
)

// budget bounds the body bytes that all requests hold together, so that
// memory follows the budget rather than the number of connections times
// the body cap.
//
// A body takes its share as it arrives, before each buffer it allocates, so
// that announcing a size costs nothing. When the budget is full, a body
// that needs more is refused, unless a body still arriving holds more than
// the one asking would hold: that one is cut off instead. A real event is
// small and sent at once, and what a hostile client holds open is big and
// still arriving, so under pressure the big slow bodies give way to the
// small ones. One victim always suffices, since it frees more than the
// asker needs.
type budget struct {
	limit int64

	mu   sync.Mutex
	used int64
	peak int64
	shed int
	// arriving holds the bodies still arriving that can be cut off, the
	// largest first.
	arriving holds
}

// hold is one request's share of the budget.
type hold struct {
	b     *budget
	bytes int64
	// cut makes the request's pending and next reads fail at once; nil
	// when its connection does not allow it (a handler called in process).
	cut   func()
	index int  // in b.arriving, -1 when not there
	shed  bool // cut off: its bytes went to another body
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// open starts a request's share, empty.
func (b *budget) open(cut func()) *hold { return &hold{b: b, cut: cut, index: -1} }

// grow takes n more bytes for h, cutting off a larger body if the budget
// is full. It fails with errBudgetFull when no body holds more than h
// would, and with errShed when h itself was cut off.
func (h *hold) grow(n int64) error {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if h.shed {
		return errShed
	}
	if b.used+n > b.limit {
		victim := b.arriving.largest()
		if victim == nil || victim.bytes <= h.bytes+n {
			return errBudgetFull
		}
		heap.Remove(&b.arriving, victim.index)
		b.used -= victim.bytes
		victim.bytes, victim.shed = 0, true
		b.shed++
		// Under the lock, so that the victim cannot have moved on to
		// another request on the same connection.
		victim.cut()
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	h.bytes += n
	switch {
	case h.cut == nil:
	case h.index < 0:
		heap.Push(&b.arriving, h)
	default:
		heap.Fix(&b.arriving, h.index)
	}
	return nil
}

// arrived marks h's body complete, so that it can no longer be cut off. It
// reports errShed when it was cut off before.
func (h *hold) arrived() error {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if h.index >= 0 {
		heap.Remove(&b.arriving, h.index)
	}
	if h.shed {
		return errShed
	}
	return nil
}

// release gives h's bytes back.
func (h *hold) release() {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if h.index >= 0 {
		heap.Remove(&b.arriving, h.index)
	}
	b.used -= h.bytes
	h.bytes = 0
}

// counts returns the bytes held now, the most ever held and how many
// bodies were cut off.
func (b *budget) counts() (used, peak int64, shed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak, b.shed
}

// holds is a max-heap of bodies by the bytes they hold, for
// container/heap.
type holds []*hold

func (q holds) Len() int           { return len(q) }
func (q holds) Less(i, j int) bool { return q[i].bytes > q[j].bytes }
func (q holds) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}

func (q *holds) Push(x any) {
	h := x.(*hold)
	h.index = len(*q)
	*q = append(*q, h)
}

func (q *holds) Pop() any {
	old := *q
	h := old[len(old)-1]
	old[len(old)-1] = nil
	h.index = -1
	*q = old[:len(old)-1]
	return h
}

func (q holds) largest() *hold {
	if len(q) == 0 {
		return nil
	}
	return q[0]
}
