// Package emitter speaks the WMS webhook wire protocol: it knows the 21
// documented events, encodes envelopes byte for byte as WMS does, signs them,
// sequences them per session and delivers them over HTTP with a deadline.
//
// Scenarios, the conformance suite, the load generator and the reference
// receiver all read the event catalog from here so that the contract lives in
// exactly one place.
//
// The parts:
//   - the catalog: [Events], [LookupEvent], [Event], [Field]
//   - the body: [Envelope], [Payload]
//   - the MAC: [Signer], [HeaderMAC], [ParseMAC]
//   - the session: [Session], [Emit]
//   - delivery: [Client], configured by [Option] values and [Retry];
//     [Request] in, [Outcome] out, a [FailureClass] for each way a
//     delivery fails, and [RedactURL] for showing a webhook URL
package emitter
