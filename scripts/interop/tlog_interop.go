// Checks hemicycle's checkpoints and proofs with an independent
// implementation: Go's golang.org/x/mod/sumdb/note and sumdb/tlog, as
// packaged by Debian (built in GOPATH mode, offline).
//
// Usage: go run tlog_interop.go DIR
//
// DIR holds what the hemicycle CLI printed: key.txt (verifier key),
// checkpoint.txt (signed note), entries-*.json, inclusion-*.json and
// consistency-*.json (the API bodies).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var passed, failed int

func check(name string, err error) {
	if err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	passed++
	fmt.Printf("ok   %s\n", name)
}

func expectFailure(name string, err error) {
	if err == nil {
		check(name, fmt.Errorf("accepted, but must be refused"))
		return
	}
	check(name, nil)
}

func must(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
}

func decodeHash(text string) (tlog.Hash, error) {
	var hash tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return hash, err
	}
	if len(raw) != len(hash) {
		return hash, fmt.Errorf("hash of %d bytes", len(raw))
	}
	copy(hash[:], raw)
	return hash, nil
}

func decodeHashes(texts []string) ([]tlog.Hash, error) {
	hashes := make([]tlog.Hash, 0, len(texts))
	for _, text := range texts {
		hash, err := decodeHash(text)
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, hash)
	}
	return hashes, nil
}

func sameHashes(ours, theirs []tlog.Hash) error {
	if len(ours) != len(theirs) {
		return fmt.Errorf("%d hashes, Go produces %d", len(ours), len(theirs))
	}
	for i := range ours {
		if ours[i] != theirs[i] {
			return fmt.Errorf("hash %d differs from Go's", i)
		}
	}
	return nil
}

func files(directory, pattern string) []string {
	found, err := filepath.Glob(filepath.Join(directory, pattern))
	must(err)
	sort.Strings(found)
	return found
}

func main() {
	if len(os.Args) != 2 {
		fmt.Println("usage: tlog_interop DIR")
		os.Exit(2)
	}
	directory := os.Args[1]
	keyText, err := os.ReadFile(filepath.Join(directory, "key.txt"))
	must(err)
	checkpointText, err := os.ReadFile(filepath.Join(directory, "checkpoint.txt"))
	must(err)

	verifier, err := note.NewVerifier(strings.TrimSpace(string(keyText)))
	check("note.NewVerifier accepts the verifier key", err)
	if err != nil {
		os.Exit(1)
	}
	opened, err := note.Open(checkpointText, note.VerifierList(verifier))
	check("note.Open verifies the signed checkpoint", err)
	if err != nil {
		os.Exit(1)
	}
	altered := bytes.Replace(checkpointText, []byte("\n"), []byte("\n\n"), 1)
	_, err = note.Open(altered, note.VerifierList(verifier))
	expectFailure("note.Open refuses an altered checkpoint", err)

	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		check("checkpoint origin is the key name", fmt.Errorf("origin %q", lines[0]))
	}
	treeSize, err := strconv.ParseInt(lines[1], 10, 64)
	must(err)
	root, err := decodeHash(lines[2])
	must(err)

	// Go's own tree over the entries.
	var entries [][]byte
	for _, path := range files(directory, "entries-*.json") {
		var body struct {
			Entries []string `json:"entries"`
		}
		data, err := os.ReadFile(path)
		must(err)
		must(json.Unmarshal(data, &body))
		for _, text := range body.Entries {
			entry, err := base64.StdEncoding.DecodeString(text)
			must(err)
			entries = append(entries, entry)
		}
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			out[i] = stored[index]
		}
		return out, nil
	})
	for i, entry := range entries {
		hashes, err := tlog.StoredHashes(int64(i), entry, reader)
		must(err)
		stored = append(stored, hashes...)
	}
	if int64(len(entries)) < treeSize {
		check("entries cover the checkpoint", fmt.Errorf("%d entries for a tree of %d", len(entries), treeSize))
		os.Exit(1)
	}
	goRoot, err := tlog.TreeHash(treeSize, reader)
	must(err)
	if goRoot != root {
		err = fmt.Errorf("root %v, Go computes %v", root, goRoot)
	}
	check(fmt.Sprintf("checkpoint root of %d entries matches Go's tree", treeSize), err)

	for _, path := range files(directory, "inclusion-*.json") {
		var body struct {
			Index    int64    `json:"index"`
			TreeSize int64    `json:"tree_size"`
			LeafHash string   `json:"leaf_hash"`
			Hashes   []string `json:"hashes"`
		}
		data, err := os.ReadFile(path)
		must(err)
		must(json.Unmarshal(data, &body))
		name := fmt.Sprintf("inclusion of %d in %d", body.Index, body.TreeSize)
		leaf, err := decodeHash(body.LeafHash)
		must(err)
		if leaf != tlog.RecordHash(entries[body.Index]) {
			check(name+": leaf hash", fmt.Errorf("differs from Go's RecordHash"))
			continue
		}
		proof, err := decodeHashes(body.Hashes)
		must(err)
		treeRoot, err := tlog.TreeHash(body.TreeSize, reader)
		must(err)
		check(name+": tlog.CheckRecord", tlog.CheckRecord(proof, body.TreeSize, treeRoot, body.Index, leaf))
		theirs, err := tlog.ProveRecord(body.TreeSize, body.Index, reader)
		must(err)
		check(name+": same hashes as tlog.ProveRecord", sameHashes(proof, theirs))
		if len(proof) > 0 {
			proof[0][0] ^= 1
			expectFailure(name+": a flipped bit is refused", tlog.CheckRecord(proof, body.TreeSize, treeRoot, body.Index, leaf))
		}
	}

	for _, path := range files(directory, "consistency-*.json") {
		var body struct {
			From   int64    `json:"from"`
			To     int64    `json:"to"`
			Hashes []string `json:"hashes"`
		}
		data, err := os.ReadFile(path)
		must(err)
		must(json.Unmarshal(data, &body))
		name := fmt.Sprintf("consistency %d -> %d", body.From, body.To)
		proof, err := decodeHashes(body.Hashes)
		must(err)
		oldRoot, err := tlog.TreeHash(body.From, reader)
		must(err)
		newRoot, err := tlog.TreeHash(body.To, reader)
		must(err)
		check(name+": tlog.CheckTree", tlog.CheckTree(proof, body.To, newRoot, body.From, oldRoot))
		theirs, err := tlog.ProveTree(body.To, body.From, reader)
		must(err)
		check(name+": same hashes as tlog.ProveTree", sameHashes(proof, theirs))
		if len(proof) > 0 {
			proof[len(proof)-1][31] ^= 0x80
			expectFailure(name+": a flipped bit is refused", tlog.CheckTree(proof, body.To, newRoot, body.From, oldRoot))
		}
	}

	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}
