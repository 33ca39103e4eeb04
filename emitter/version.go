package emitter

// Version is wms-mock's version. The client sends it in the User-Agent so
// that a receiver's logs say which release of the mock sent a request, and
// the CLI prints it.
const Version = "0.1.0"
