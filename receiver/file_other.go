//go:build !unix

package receiver

import "os"

// lockFile is a no-op where flock is not available: run one receiver per
// events file.
func lockFile(*os.File) error { return nil }

// syncDir is a no-op where directories cannot be opened for syncing.
func syncDir(string) error { return nil }
