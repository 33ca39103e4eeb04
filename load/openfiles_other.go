//go:build !unix

package load

// OpenFileLimit reports ok false where the open-file limit is not a
// process limit that Go can read.
func OpenFileLimit() (soft, hard uint64, ok bool) { return 0, 0, false }

// OpenFilesWarning is empty where OpenFileLimit cannot be read.
func OpenFilesWarning(concurrency int) string { return "" }
