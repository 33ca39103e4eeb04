# wms-mock: 'make run' shows everything on the embedded default, 'make test'
# is what CI runs.
GO      ?= go
BIN     := bin/wms-mock
FUZZTIME ?= 30s

.PHONY: build run test examples screenshots bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/wms-mock

run: build
	./$(BIN) demo

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Each receiver recipe under examples/receivers on a free loopback port,
# judged by the conformance suite; fails when any recipe fails.
examples: build
	WMS_MOCK=$(BIN) bash examples/run-recipes.sh

# The pictures in docs/ that the README shows, taken in headless Chromium
# from real pages with realistic sessions; not part of 'make test'.
screenshots:
	$(GO) test -count=1 -run '^TestScreenshot$$' ./inspector -screenshot $(CURDIR)/docs/inspector.png
	$(GO) test -count=1 -run '^TestScreenshot$$' ./htmlreport -screenshot $(CURDIR)/docs/report.png
	$(GO) test -count=1 -run '^TestBrowserJourneys$$' ./examples/app -screenshot-dir $(CURDIR)/docs

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for FUZZTIME; their seed corpora also run in 'make test'.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseMAC$$' -fuzztime $(FUZZTIME) ./emitter
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./scenarios
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./receiver
	$(GO) test -run '^$$' -fuzz '^FuzzCallIn$$' -fuzztime $(FUZZTIME) ./wms

clean:
	rm -rf bin
