# wms-mock: 'make run' shows everything on the embedded default, 'make test'
# is what CI runs.
GO      ?= go
BIN     := bin/wms-mock
FUZZTIME ?= 30s

.PHONY: build run test bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/wms-mock

run: build
	./$(BIN) demo

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
