package receiver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// errClosed answers requests that arrive while the receiver shuts down.
var errClosed = errors.New("the receiver is shutting down")

// journal appends accepted events to the events file with group commit:
// lines that arrive while an fsync runs wait together for the next one, so
// durability costs one fsync per batch instead of one per event, and a
// request is answered only once its line is on disk.
//
// Batches are numbered from 1. Every batch before open has been handed to
// the flusher; every batch up to durable is on disk.
type journal struct {
	f    *os.File
	path string

	mu      sync.Mutex
	wake    sync.Cond     // tells the flusher there are lines, or that it must stop
	pending []byte        // lines of the open batch
	open    uint64        // number of the batch being filled
	durable uint64        // last batch known to be on disk
	failed  error         // first write or fsync error: the journal stops there
	changed chan struct{} // closed and replaced when durable or failed changes
	closing bool
	done    chan struct{} // closed when the flusher returns
}

// openJournal opens or creates the events file at path, locks it against a
// second receiver, and hands every complete line to replay.
//
// A last line without its newline is a write cut short by a crash. It was
// never acknowledged, since the answer waits for the fsync of the whole
// line, so it is cut off and the sender's retry stores the event again. Any
// other unreadable line is an error: the file was changed by something else,
// and guessing would lose or invent events. torn is how many bytes were cut.
func openJournal(path string, replay func(line []byte) error) (j *journal, torn int, err error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot open the events file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err := lockFile(f); err != nil {
		return nil, 0, fmt.Errorf("cannot lock the events file %s: %w", path, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, 0, fmt.Errorf("cannot sync the directory of the new events file: %w", err)
		}
	}

	r := bufio.NewReaderSize(f, 64<<10)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			torn = len(line)
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("cannot read the events file %s: %w", path, err)
		}
		good += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := replay(line); err != nil {
			return nil, 0, fmt.Errorf("events file %s line %d: %w (fix or remove that line, or start with another file)", path, n, err)
		}
	}
	if torn > 0 {
		if err := f.Truncate(good); err != nil {
			return nil, 0, fmt.Errorf("cannot cut the torn last line of the events file: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, 0, fmt.Errorf("cannot sync the events file: %w", err)
		}
	}

	j = &journal{f: f, path: path, open: 1, changed: make(chan struct{}), done: make(chan struct{})}
	j.wake.L = &j.mu
	go j.flush()
	return j, torn, nil
}

// append adds line to the open batch and returns the batch's number, to
// wait on before answering.
func (j *journal) append(line []byte) (uint64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		return 0, j.failed
	}
	if j.closing {
		return 0, errClosed
	}
	j.pending = append(j.pending, line...)
	j.wake.Signal()
	return j.open, nil
}

// barrier returns the number of the last batch holding any line. Waiting
// on it guarantees that every line appended so far is on disk, which is
// what a duplicate needs: its first copy may still be in flight.
func (j *journal) barrier() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.pending) > 0 {
		return j.open
	}
	return j.open - 1
}

// wait returns once batch n is on disk, or with the error that stopped the
// journal, or when ctx is done.
func (j *journal) wait(ctx context.Context, n uint64) error {
	for {
		j.mu.Lock()
		durable, failed, changed := j.durable, j.failed, j.changed
		j.mu.Unlock()
		switch {
		case n <= durable:
			return nil
		case failed != nil:
			return failed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// err reports why the journal can no longer store events, or nil.
func (j *journal) err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failed != nil {
		return j.failed
	}
	if j.closing {
		return errClosed
	}
	return nil
}

// flush is the journal's one writer. It takes the open batch whole, so
// everything appended during the previous fsync goes out in the next one.
func (j *journal) flush() {
	defer close(j.done)
	var batch []byte
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		for len(j.pending) == 0 && !j.closing {
			j.wake.Wait()
		}
		if len(j.pending) == 0 {
			return // closing, and everything is written
		}
		batch, j.pending = j.pending, batch[:0]
		n := j.open
		j.open++
		err := j.failed
		j.mu.Unlock()

		// After a failed fsync the kernel may have dropped the dirty pages,
		// so nothing written after it can be trusted: stop for good.
		if err == nil {
			if _, err = j.f.Write(batch); err == nil {
				err = j.f.Sync()
			}
			if err != nil {
				err = fmt.Errorf("cannot write the events file %s: %w", j.path, err)
			}
		}

		j.mu.Lock()
		if err != nil {
			j.failed = err
		} else {
			j.durable = n
		}
		close(j.changed)
		j.changed = make(chan struct{})
	}
}

// close writes what is pending, stops the flusher and closes the file.
func (j *journal) close() error {
	j.mu.Lock()
	j.closing = true
	j.wake.Signal()
	j.mu.Unlock()
	<-j.done
	return errors.Join(j.failed, j.f.Close())
}
