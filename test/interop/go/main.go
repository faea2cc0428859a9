// Command interop runs a full LTST Memory scenario through the generated Go
// stubs (package memoryv1 of gen/go), as a Go user's program would.
//
// Usage: interop HOST:PORT
//
// Environment: LTST_INTEROP_CA_FILE, the CA of the server's TLS certificate
// (unset: plaintext, loopback only); LTST_INTEROP_API_KEY, a writer key sent
// with every call as per-RPC credentials; LTST_INTEROP_READER_KEY, a reader
// key of the same tenant. With the keys set, a write without a key must be
// UNAUTHENTICATED and one with the reader key PERMISSION_DENIED.
//
// The same scenario as test/interop/python/scenario.py: a session, appends
// from several goroutines at once, listing (with the hash chain recomputed),
// search, a summary, preference and context entry, isolation, error details,
// and rehydration within token budgets. Every step runs even when an earlier
// one failed; the exit code is 1 when any failed. .ci/interop.sh builds it
// offline against Debian's Go packages.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	memoryv1 "github.com/ltst-memory/ltst-memory/gen/go/ltst/memory/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	goroutines        = 8
	appendsPerRoutine = 4
)

var roleNames = map[memoryv1.Role]string{
	memoryv1.Role_ROLE_USER:      "user",
	memoryv1.Role_ROLE_ASSISTANT: "assistant",
	memoryv1.Role_ROLE_SYSTEM:    "system",
	memoryv1.Role_ROLE_TOOL:      "tool",
}

// failure is a step's failed check.
type failure struct{ message string }

func check(condition bool, format string, args ...interface{}) {
	if !condition {
		panic(failure{fmt.Sprintf(format, args...)})
	}
}

// must fails the step on an unexpected error.
func must(err error, what string) {
	if err != nil {
		panic(failure{fmt.Sprintf("%s: %v", what, err)})
	}
}

type steps struct{ passed, failed []string }

func (s *steps) run(name string, fn func()) {
	started := time.Now()
	defer func() {
		if r := recover(); r != nil {
			s.failed = append(s.failed, name)
			if f, ok := r.(failure); ok {
				fmt.Printf("[go-scenario] FAIL %s\n    %s\n", name, f.message)
			} else {
				fmt.Printf("[go-scenario] FAIL %s\n    panic: %v\n%s", name, r, debug.Stack())
			}
			return
		}
		s.passed = append(s.passed, name)
		fmt.Printf("[go-scenario] ok   %s (%d ms)\n", name, time.Since(started).Milliseconds())
	}()
	fn()
}

// callFailure is a failed call's status with its decoded details.
type callFailure struct {
	code    codes.Code
	message string
	fields  []string
	reason  string
}

func (f callFailure) String() string {
	return fmt.Sprintf("%s %q fields=%v reason=%q", f.code, f.message, f.fields, f.reason)
}

func failed(err error) callFailure {
	check(err != nil, "expected the call to fail, but it succeeded")
	st, ok := status.FromError(err)
	check(ok, "not a gRPC status: %v", err)
	got := callFailure{code: st.Code(), message: st.Message()}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				got.fields = append(got.fields, v.GetField())
			}
		case *errdetails.ErrorInfo:
			got.reason = d.GetReason()
		}
	}
	return got
}

func expectInvalidArgument(err error, fields ...string) {
	got := failed(err)
	check(got.code == codes.InvalidArgument, "expected INVALID_ARGUMENT, got %v", got)
	check(strings.Join(got.fields, ",") == strings.Join(fields, ","), "expected BadRequest fields %v, got %v", fields, got)
	for _, field := range fields {
		check(strings.Contains(got.message, field), "the message should name %s: %v", field, got)
	}
}

func collect(stream interface{ RecvMsg(interface{}) error }, newMessage func() interface{}) ([]interface{}, error) {
	var out []interface{}
	for {
		m := newMessage()
		err := stream.RecvMsg(m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

func randomHex() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: interop HOST:PORT")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1]))
}

// bearerKey sends an API key with every call as `authorization: Bearer <key>`.
type bearerKey struct {
	key string
	// requireTLS: grpc-go then refuses to send the key over a connection
	// without transport security. Off only for plaintext on loopback.
	requireTLS bool
}

func (b bearerKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.key}, nil
}

func (b bearerKey) RequireTransportSecurity() bool { return b.requireTLS }

// dial connects to address with TLS against the CA in LTST_INTEROP_CA_FILE
// when it is set (plaintext otherwise), sending key ("": none) with every call.
func dial(address, key string) (*grpc.ClientConn, error) {
	options := []grpc.DialOption{grpc.WithBlock()}
	caFile := os.Getenv("LTST_INTEROP_CA_FILE")
	if caFile != "" {
		// The server name checked is the address's host (an IP is checked against the certificate's IP SANs).
		tls, err := credentials.NewClientTLSFromFile(caFile, "")
		if err != nil {
			return nil, err
		}
		options = append(options, grpc.WithTransportCredentials(tls))
	} else {
		options = append(options, grpc.WithInsecure())
	}
	if key != "" {
		options = append(options, grpc.WithPerRPCCredentials(bearerKey{key: key, requireTLS: caFile != ""}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return grpc.DialContext(ctx, address, options...)
}

func run(address string) int {
	apiKey := os.Getenv("LTST_INTEROP_API_KEY")
	conn, err := dial(address, apiKey)
	if err != nil {
		fmt.Printf("[go-scenario] cannot connect to %s: %v\n", address, err)
		return 1
	}
	defer conn.Close()
	sessions := memoryv1.NewSessionServiceClient(conn)
	messages := memoryv1.NewMessageServiceClient(conn)
	search := memoryv1.NewSearchServiceClient(conn)
	summaries := memoryv1.NewSummaryServiceClient(conn)
	preferences := memoryv1.NewPreferenceServiceClient(conn)
	contexts := memoryv1.NewContextServiceClient(conn)
	rehydrate := memoryv1.NewRehydrateServiceClient(conn)

	// Every call gets its own 60 s deadline; the timers are released when the run ends.
	var cancels []context.CancelFunc
	defer func() {
		for _, cancel := range cancels {
			cancel()
		}
	}()
	ctx := func() context.Context {
		c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cancels = append(cancels, cancel)
		return c
	}
	runID := randomHex()
	user := "go-alice-" + runID
	other := "go-bob-" + runID
	sessionID := "go-session-" + runID
	missingID := "go-missing-" + runID
	var stored []*memoryv1.Message
	s := &steps{}

	messageCount := func() int64 {
		got, err := sessions.GetSession(ctx(), &memoryv1.GetSessionRequest{UserId: user, SessionId: sessionID})
		must(err, "GetSession")
		return got.GetSession().GetMessageCount()
	}
	userMessage := func(content string) *memoryv1.NewMessage {
		return &memoryv1.NewMessage{Role: memoryv1.Role_ROLE_USER, Content: content}
	}

	s.run("create a session (idempotent retry)", func() {
		metadata, err := structpb.NewStruct(map[string]interface{}{"client": "go", "run": runID})
		must(err, "metadata")
		request := &memoryv1.CreateSessionRequest{UserId: user, SessionId: sessionID, Name: "Go interop", Type: "chat", Metadata: metadata}
		first, err := sessions.CreateSession(ctx(), request)
		must(err, "CreateSession")
		check(first.GetCreated(), "the first CreateSession creates")
		check(first.GetSession().GetId() == sessionID && first.GetSession().GetUserId() == user, "stored as asked: %v", first.GetSession())
		check(first.GetSession().GetStatus() == memoryv1.SessionStatus_SESSION_STATUS_ACTIVE, "UNSPECIFIED status means ACTIVE")
		check(first.GetSession().GetMetadata().GetFields()["client"].GetStringValue() == "go", "metadata round-trips")
		again, err := sessions.CreateSession(ctx(), request)
		must(err, "CreateSession again")
		check(!again.GetCreated(), "the same user's retry is idempotent")
	})

	s.run("append the first message", func() {
		got, err := messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{
			UserId: user, SessionId: sessionID, Messages: []*memoryv1.NewMessage{userMessage("My favourite animal is the giraffe, remember that.")},
		})
		must(err, "AppendMessages")
		check(len(got.GetMessages()) == 1 && got.GetMessages()[0].GetMessageIndex() == 0, "first index 0: %v", got)
	})

	expected := 1 + 2
	for g := 0; g < goroutines; g++ {
		for k := 0; k < appendsPerRoutine; k++ {
			expected += 1 + (g+k)%2
		}
	}

	s.run(fmt.Sprintf("append from %d goroutines at once", goroutines), func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var indexes []int64
		var errs []error
		start := make(chan struct{})
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				<-start
				for k := 0; k < appendsPerRoutine; k++ {
					batch := []*memoryv1.NewMessage{
						userMessage(fmt.Sprintf("goroutine %d question %d", g, k)),
						{Role: memoryv1.Role_ROLE_ASSISTANT, Content: fmt.Sprintf("goroutine %d answer %d", g, k)},
					}[:1+(g+k)%2]
					got, err := messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{
						UserId: user, SessionId: sessionID, Messages: batch, IdempotencyKey: fmt.Sprintf("%s-%d-%d", runID, g, k),
					})
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						for i, m := range got.GetMessages() {
							if m.GetMessageIndex() != got.GetMessages()[0].GetMessageIndex()+int64(i) {
								errs = append(errs, fmt.Errorf("batch indexes not consecutive: %v", got.GetMessages()))
							}
							indexes = append(indexes, m.GetMessageIndex())
						}
					}
					mu.Unlock()
				}
			}(g)
		}
		close(start)
		wg.Wait()
		check(len(errs) == 0, "appends failed: %v", errs)
		sort.Slice(indexes, func(i, j int) bool { return indexes[i] < indexes[j] })
		for i, index := range indexes {
			check(index == int64(i+1), "gapless, unique indexes 1..n: %v", indexes)
		}
		replay, err := messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{
			UserId: user, SessionId: sessionID, Messages: []*memoryv1.NewMessage{userMessage("goroutine 0 question 0")}, IdempotencyKey: runID + "-0-0",
		})
		must(err, "replayed append")
		check(replay.GetReplayed(), "a retry with the same idempotency key is replayed")
		_, err = messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{
			UserId: user, SessionId: sessionID, Messages: []*memoryv1.NewMessage{
				{Role: memoryv1.Role_ROLE_ASSISTANT, Content: "Noted."},
				userMessage("What should I draw today?"),
			},
		})
		must(err, "last append")
	})

	s.run("list messages (pages, last N, backward, hashes)", func() {
		var listed []*memoryv1.Message
		token := ""
		for {
			page, err := messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{UserId: user, SessionId: sessionID, PageSize: 7, PageToken: token})
			must(err, "ListMessages")
			listed = append(listed, page.GetMessages()...)
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		check(len(listed) == expected, "%d messages listed, got %d", expected, len(listed))
		previous := make([]byte, 32)
		for i, m := range listed {
			check(m.GetMessageIndex() == int64(i), "index order: %d at %d", m.GetMessageIndex(), i)
			contentHash := sha256.Sum256([]byte(m.GetContent()))
			check(m.GetContentHash() == hex.EncodeToString(contentHash[:]), "content_hash of message %d", i)
			chain := sha256.New()
			chain.Write(previous)
			chain.Write([]byte(roleNames[m.GetRole()]))
			chain.Write([]byte{0})
			chain.Write(contentHash[:])
			previous = chain.Sum(nil)
			check(m.GetContextHash() == hex.EncodeToString(previous), "context_hash chain at message %d", i)
			check(m.GetUserId() == user && m.GetSessionId() == sessionID && m.GetTokenCount() > 0, "message fields: %v", m)
		}
		last, err := messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{UserId: user, SessionId: sessionID, LastN: 5})
		must(err, "ListMessages last_n")
		check(len(last.GetMessages()) == 5 && last.GetMessages()[4].GetId() == listed[len(listed)-1].GetId() &&
			last.GetMessages()[0].GetId() == listed[len(listed)-5].GetId(), "last_n: the last 5, chronological")
		backward, err := messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{
			UserId: user, SessionId: sessionID, Direction: memoryv1.ListDirection_LIST_DIRECTION_BACKWARD, PageSize: 3,
		})
		must(err, "ListMessages backward")
		check(backward.GetMessages()[0].GetMessageIndex() == int64(expected-1), "backward: newest first")
		check(messageCount() == int64(expected), "message_count == %d", expected)
		stored = listed
	})

	runSearch := func(request *memoryv1.SearchRequest) (*memoryv1.SearchInfo, []*memoryv1.SearchHit) {
		stream, err := search.Search(ctx(), request)
		must(err, "Search")
		responses, err := collect(stream, func() interface{} { return new(memoryv1.SearchResponse) })
		must(err, "Search stream")
		check(len(responses) >= 1 && responses[0].(*memoryv1.SearchResponse).GetInfo() != nil, "SearchInfo first")
		var hits []*memoryv1.SearchHit
		for _, r := range responses[1:] {
			hit := r.(*memoryv1.SearchResponse).GetHit()
			check(hit != nil, "then only hits")
			hits = append(hits, hit)
		}
		return responses[0].(*memoryv1.SearchResponse).GetInfo(), hits
	}

	s.run("search (lexical, filters, hybrid)", func() {
		info, hits := runSearch(&memoryv1.SearchRequest{UserId: user, Query: "giraffe", Mode: memoryv1.SearchMode_SEARCH_MODE_LEXICAL})
		check(info.GetEffectiveMode() == memoryv1.SearchMode_SEARCH_MODE_LEXICAL, "lexical runs lexically: %v", info)
		check(len(hits) == 1 && strings.Contains(hits[0].GetMessage().GetContent(), "giraffe"), "one lexical hit: %v", hits)
		check(hits[0].GetScore() > 0 && hits[0].GetScore() <= 1 && hits[0].GetLexicalRank() == 1, "lexical score and rank: %v", hits[0])
		_, hits = runSearch(&memoryv1.SearchRequest{
			UserId: user, Query: "goroutine answer", Mode: memoryv1.SearchMode_SEARCH_MODE_LEXICAL, TopK: 3, Roles: []memoryv1.Role{memoryv1.Role_ROLE_ASSISTANT},
		})
		check(len(hits) == 3, "top_k: %v", hits)
		for i, hit := range hits {
			check(hit.GetMessage().GetRole() == memoryv1.Role_ROLE_ASSISTANT, "role filter: %v", hit)
			check(i == 0 || hits[i-1].GetScore() >= hit.GetScore(), "best first")
		}
		info, hits = runSearch(&memoryv1.SearchRequest{UserId: user, Query: "giraffe", Mode: memoryv1.SearchMode_SEARCH_MODE_HYBRID})
		if info.GetEffectiveMode() == memoryv1.SearchMode_SEARCH_MODE_LEXICAL {
			check(info.GetFallbackReason() != "", "hybrid falls back to lexical and says why: %v", info)
		} else {
			check(info.GetEffectiveMode() == memoryv1.SearchMode_SEARCH_MODE_HYBRID, "hybrid: %v", info)
		}
		check(len(hits) >= 1 && strings.Contains(hits[0].GetMessage().GetContent(), "giraffe"), "hybrid finds the giraffe: %v", hits)
	})

	s.run("write a summary, a preference and a context entry", func() {
		check(len(stored) >= 5, "the messages were listed")
		covers := stored[len(stored)-1].GetMessageIndex() - 4
		got, err := summaries.UpdateSummary(ctx(), &memoryv1.UpdateSummaryRequest{
			UserId: user, SessionId: sessionID, Content: "The user likes giraffes and asks about drawing.", CoversThroughIndex: covers,
		})
		must(err, "UpdateSummary")
		check(got.GetSummary().GetCoversThroughIndex() == covers, "summary stored: %v", got)
		_, err = preferences.SetPreference(ctx(), &memoryv1.SetPreferenceRequest{UserId: user, Key: "tone", Value: "concise"})
		must(err, "SetPreference")
		_, err = contexts.UpsertContextEntry(ctx(), &memoryv1.UpsertContextEntryRequest{UserId: user, SessionId: sessionID, Type: "project", Key: "hobby", Value: "drawing animals"})
		must(err, "UpsertContextEntry")
	})

	sameNotFound := func(what string, intruded, absent error) {
		i, a := failed(intruded), failed(absent)
		check(i.code == codes.NotFound, "%s on another user's session: NOT_FOUND, got %v", what, i)
		check(a.code == codes.NotFound, "%s on a missing session: NOT_FOUND, got %v", what, a)
		check(i.message == strings.ReplaceAll(a.message, missingID, sessionID), "%s: same message: %v / %v", what, i, a)
		check(i.reason != "" && i.reason == a.reason, "%s: same ErrorInfo reason: %v / %v", what, i, a)
		check(!strings.Contains(i.message, user), "%s: the owner is not revealed", what)
	}

	if apiKey != "" {
		s.run("authentication: no key is UNAUTHENTICATED, a reader key cannot write", func() {
			readerKey := os.Getenv("LTST_INTEROP_READER_KEY")
			check(readerKey != "", "LTST_INTEROP_READER_KEY must be set with LTST_INTEROP_API_KEY")
			write := func(key string) callFailure {
				c, err := dial(address, key)
				must(err, "dial")
				defer c.Close()
				_, err = memoryv1.NewMessageServiceClient(c).AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{
					UserId: user, SessionId: sessionID, Messages: []*memoryv1.NewMessage{userMessage("unauthorized")},
				})
				return failed(err)
			}
			got := write("")
			check(got.code == codes.Unauthenticated && got.reason == "MISSING_CREDENTIALS", "a write without a key: %v", got)
			got = write(readerKey)
			check(got.code == codes.PermissionDenied && got.reason == "ROLE_NOT_ALLOWED", "a write with a reader key: %v", got)
			check(messageCount() == int64(len(stored)), "the refused writes stored nothing")
		})
	} else {
		fmt.Println("[go-scenario] skip authentication: LTST_INTEROP_API_KEY is not set (the server runs open)")
	}

	s.run("isolation: another user's session is NOT_FOUND like a missing one", func() {
		_, err := sessions.CreateSession(ctx(), &memoryv1.CreateSessionRequest{UserId: other, SessionId: "go-bob-own-" + runID})
		must(err, "CreateSession for the other user")
		messageID := "00000000-0000-4000-8000-000000000000"
		if len(stored) > 0 {
			messageID = stored[0].GetId()
		}
		attempts := map[string]func(string) error{
			"GetSession": func(id string) error {
				_, err := sessions.GetSession(ctx(), &memoryv1.GetSessionRequest{UserId: other, SessionId: id})
				return err
			},
			"DeleteSession": func(id string) error {
				_, err := sessions.DeleteSession(ctx(), &memoryv1.DeleteSessionRequest{UserId: other, SessionId: id})
				return err
			},
			"AppendMessages": func(id string) error {
				_, err := messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{UserId: other, SessionId: id, Messages: []*memoryv1.NewMessage{userMessage("intrusion")}})
				return err
			},
			"ListMessages": func(id string) error {
				_, err := messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{UserId: other, SessionId: id})
				return err
			},
			"GetMessage": func(id string) error {
				_, err := messages.GetMessage(ctx(), &memoryv1.GetMessageRequest{UserId: other, SessionId: id, MessageId: messageID})
				return err
			},
			"UpdateSummary": func(id string) error {
				_, err := summaries.UpdateSummary(ctx(), &memoryv1.UpdateSummaryRequest{UserId: other, SessionId: id, Content: "x"})
				return err
			},
		}
		for name, attempt := range attempts {
			sameNotFound(name, attempt(sessionID), attempt(missingID))
		}
		// Session ids are unique per user: the same id creates the other user's
		// own, empty session (revealing nothing), and leaves the owner's alone.
		own, err := sessions.CreateSession(ctx(), &memoryv1.CreateSessionRequest{UserId: other, SessionId: sessionID})
		must(err, "CreateSession with the owner's id")
		check(own.GetCreated() && own.GetSession().GetUserId() == other && own.GetSession().GetMessageCount() == 0, "another user's id: a session of their own: %v", own)
		listedOwn, err := messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{UserId: other, SessionId: sessionID})
		must(err, "ListMessages of the other user's own session")
		check(len(listedOwn.GetMessages()) == 0, "it holds none of the owner's messages: %v", listedOwn)
		_, err = sessions.DeleteSession(ctx(), &memoryv1.DeleteSessionRequest{UserId: other, SessionId: sessionID})
		must(err, "DeleteSession of the other user's own session")
		_, hits := runSearch(&memoryv1.SearchRequest{UserId: other, Query: "giraffe", Mode: memoryv1.SearchMode_SEARCH_MODE_LEXICAL, SessionIds: []string{sessionID}})
		check(len(hits) == 0, "another user's search finds nothing of the owner's: %v", hits)
		listed, err := sessions.ListSessions(ctx(), &memoryv1.ListSessionsRequest{UserId: other})
		must(err, "ListSessions")
		check(len(listed.GetSessions()) == 1 && listed.GetSessions()[0].GetId() == "go-bob-own-"+runID, "ListSessions shows only the caller's: %v", listed)
		check(messageCount() == int64(len(stored)), "nothing of the owner's changed")
	})

	s.run("errors: INVALID_ARGUMENT naming the fields", func() {
		before := messageCount()
		_, err := sessions.CreateSession(ctx(), &memoryv1.CreateSessionRequest{UserId: ""})
		expectInvalidArgument(err, "user_id")
		_, err = messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{UserId: user, SessionId: sessionID, Messages: []*memoryv1.NewMessage{{Content: "no role"}}})
		expectInvalidArgument(err, "messages[0].role")
		_, err = messages.AppendMessages(ctx(), &memoryv1.AppendMessagesRequest{Messages: []*memoryv1.NewMessage{userMessage("a\x00b")}})
		expectInvalidArgument(err, "user_id", "session_id", "messages[0].content")
		_, err = messages.ListMessages(ctx(), &memoryv1.ListMessagesRequest{UserId: user, SessionId: sessionID, PageSize: -1})
		expectInvalidArgument(err, "page_size")
		stream, err := search.Search(ctx(), &memoryv1.SearchRequest{UserId: user, Query: "x", TopK: -1})
		if err == nil {
			_, err = collect(stream, func() interface{} { return new(memoryv1.SearchResponse) })
		}
		expectInvalidArgument(err, "top_k")
		check(messageCount() == before, "rejected appends stored nothing")
		_, err = sessions.GetSession(ctx(), &memoryv1.GetSessionRequest{UserId: user, SessionId: missingID})
		got := failed(err)
		check(got.code == codes.NotFound && got.reason == "SESSION_NOT_FOUND", "missing session: %v", got)
	})

	rehydrateCall := func(request *memoryv1.RehydrateRequest) ([]*memoryv1.RehydrateResponse, error) {
		stream, err := rehydrate.Rehydrate(ctx(), request)
		if err != nil {
			return nil, err
		}
		raw, err := collect(stream, func() interface{} { return new(memoryv1.RehydrateResponse) })
		responses := make([]*memoryv1.RehydrateResponse, len(raw))
		for i, r := range raw {
			responses[i] = r.(*memoryv1.RehydrateResponse)
		}
		return responses, err
	}
	checkStream := func(responses []*memoryv1.RehydrateResponse, budget int32) ([]*memoryv1.RehydrateChunk, *memoryv1.RehydrateReport) {
		check(len(responses) >= 2, "chunks, then a report: %v", responses)
		var chunks []*memoryv1.RehydrateChunk
		used := int64(0)
		for i, r := range responses[:len(responses)-1] {
			chunk := r.GetChunk()
			check(chunk != nil, "every response but the last is a chunk")
			check(chunk.GetTokenCount() > 0 && chunk.GetText() != "", "every chunk has text and tokens")
			if i > 0 {
				check(chunks[i-1].GetKind() <= chunk.GetKind(), "prompt order: %v after %v", chunk.GetKind(), chunks[i-1].GetKind())
			}
			chunks = append(chunks, chunk)
			used += int64(chunk.GetTokenCount())
		}
		report := responses[len(responses)-1].GetReport()
		check(report != nil, "the report comes last")
		check(used <= int64(budget), "chunk tokens %d within the budget %d", used, budget)
		check(report.GetTokensUsed() == used && report.GetTokenBudget() == int64(budget), "report: %v (chunks: %d)", report, used)
		return chunks, report
	}

	s.run("rehydrate within token budgets", func() {
		check(len(stored) >= 5, "the messages were listed")
		const budget = 4000
		responses, err := rehydrateCall(&memoryv1.RehydrateRequest{UserId: user, SessionId: sessionID, TokenBudget: budget, MaxRecentMessages: 5, Query: "giraffe"})
		must(err, "Rehydrate")
		chunks, report := checkStream(responses, budget)
		var recent []*memoryv1.Message
		kinds := map[memoryv1.ChunkKind]bool{}
		var relevant []*memoryv1.Message
		for _, c := range chunks {
			kinds[c.GetKind()] = true
			switch c.GetKind() {
			case memoryv1.ChunkKind_CHUNK_KIND_RECENT_MESSAGE:
				recent = append(recent, c.GetRecentMessage())
			case memoryv1.ChunkKind_CHUNK_KIND_RELEVANT_MESSAGE:
				relevant = append(relevant, c.GetRelevantMessage().GetMessage())
			}
		}
		check(len(recent) == 5, "5 recent messages: %v", recent)
		for i, m := range recent {
			check(m.GetId() == stored[len(stored)-5+i].GetId(), "the recent messages, chronological: %v", recent)
		}
		for _, kind := range []memoryv1.ChunkKind{memoryv1.ChunkKind_CHUNK_KIND_HEADER, memoryv1.ChunkKind_CHUNK_KIND_SUMMARY, memoryv1.ChunkKind_CHUNK_KIND_PREFERENCE, memoryv1.ChunkKind_CHUNK_KIND_CONTEXT_ENTRY} {
			check(kinds[kind], "%v sent within a large budget", kind)
		}
		check(report.GetQuery() == "giraffe", "the request's query is used: %q", report.GetQuery())
		if report.GetRelevanceMode() == memoryv1.SearchMode_SEARCH_MODE_LEXICAL {
			check(report.GetRelevanceNote() != "", "lexical relevance says why")
			found := false
			for _, m := range relevant {
				found = found || strings.Contains(m.GetContent(), "giraffe")
			}
			check(found, "the older giraffe message is relevant: %v", relevant)
		} else {
			check(report.GetRelevanceMode() == memoryv1.SearchMode_SEARCH_MODE_SEMANTIC, "relevance mode: %v", report)
		}
		// batch_chunks: the same chunks and report, several chunks per response, the report with the last ones.
		batched, err := rehydrateCall(&memoryv1.RehydrateRequest{UserId: user, SessionId: sessionID, TokenBudget: budget, MaxRecentMessages: 5, Query: "giraffe", BatchChunks: true})
		must(err, "Rehydrate (batched)")
		var batchedChunks []*memoryv1.RehydrateChunk
		for _, r := range batched {
			check(r.GetChunk() == nil, "a batched stream never uses chunk")
			batchedChunks = append(batchedChunks, r.GetChunks()...)
		}
		check(len(batched) < len(chunks)+1 && batched[len(batched)-1].GetReport() != nil, "fewer responses, the report last: %d", len(batched))
		check(len(batchedChunks) == len(chunks), "batched: as many chunks: %d and %d", len(batchedChunks), len(chunks))
		for i := range chunks {
			check(proto.Equal(batchedChunks[i], chunks[i]), "batched: chunk %d the same", i)
		}
		check(proto.Equal(batched[len(batched)-1].GetReport(), report), "batched: the same report")
		newest := chunks[len(chunks)-1]
		check(newest.GetKind() == memoryv1.ChunkKind_CHUNK_KIND_RECENT_MESSAGE, "the newest message is the last chunk")
		tightBudget := newest.GetTokenCount()
		responses, err = rehydrateCall(&memoryv1.RehydrateRequest{UserId: user, SessionId: sessionID, TokenBudget: tightBudget, MaxRecentMessages: 5})
		must(err, "Rehydrate (tight)")
		tight, tightReport := checkStream(responses, tightBudget)
		var tightRecent []string
		for _, c := range tight {
			if c.GetKind() == memoryv1.ChunkKind_CHUNK_KIND_RECENT_MESSAGE {
				tightRecent = append(tightRecent, c.GetRecentMessage().GetId())
			}
		}
		check(len(tightRecent) == 1 && tightRecent[0] == stored[len(stored)-1].GetId(), "only the newest message fits: %v", tight)
		check(tightReport.GetQuery() == "What should I draw today?", "default query: the latest user message: %q", tightReport.GetQuery())
		omittedRecent := int32(-1)
		for _, o := range tightReport.GetOmitted() {
			if o.GetKind() == memoryv1.ChunkKind_CHUNK_KIND_RECENT_MESSAGE {
				omittedRecent = o.GetCount()
			}
		}
		check(omittedRecent == 4, "the 4 other recent messages are reported left out: %v", tightReport)
		_, err = rehydrateCall(&memoryv1.RehydrateRequest{UserId: user, SessionId: sessionID, TokenBudget: 0})
		expectInvalidArgument(err, "token_budget")
		_, intruded := rehydrateCall(&memoryv1.RehydrateRequest{UserId: other, SessionId: sessionID, TokenBudget: 100})
		_, absent := rehydrateCall(&memoryv1.RehydrateRequest{UserId: other, SessionId: missingID, TokenBudget: 100})
		sameNotFound("Rehydrate", intruded, absent)
	})

	fmt.Printf("[go-scenario] %d passed, %d failed\n", len(s.passed), len(s.failed))
	if len(s.failed) > 0 {
		fmt.Printf("[go-scenario] failed steps: %s\n", strings.Join(s.failed, ", "))
		return 1
	}
	return 0
}
