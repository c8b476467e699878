// routing-oracle asks a running livekit-server how it would route inbound SIP calls, the way
// LiveKit's SIP bridge asks it: over the psrpc message bus on Redis (IOInfo service).
//
// Input: one JSON object per line on stdin, describing a call:
//
//	{"op": "evaluate" | "auth", "callId": "...", "from": "+1555...", "fromHost": "...",
//	 "to": "+1555...", "toHost": "...", "srcAddress": "10.0.0.1", "trunkId": "ST_...",
//	 "pin": "1234", "noPin": false, "extraAttributes": {"k": "v"}}
//
// Output: one JSON object per line on stdout, in input order: {"response": <the server's answer
// in protobuf JSON>} or {"error": {"code": "...", "message": "..."}}. A line that cannot be read
// as a call is answered {"error": {"code": "bad_request", ...}} and the batch goes on.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
)

type call struct {
	Op              string            `json:"op"`
	CallID          string            `json:"callId"`
	From            string            `json:"from"`
	FromHost        string            `json:"fromHost"`
	To              string            `json:"to"`
	ToHost          string            `json:"toHost"`
	SrcAddress      string            `json:"srcAddress"`
	TrunkID         string            `json:"trunkId"`
	Pin             string            `json:"pin"`
	NoPin           bool              `json:"noPin"`
	ExtraAttributes map[string]string `json:"extraAttributes"`
}

type answerError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type answer struct {
	Response json.RawMessage `json:"response,omitempty"`
	Error    *answerError    `json:"error,omitempty"`
}

func main() {
	redisAddr := flag.String("redis", "127.0.0.1:6379", "address of the Redis that livekit-server uses as its message bus")
	redisDB := flag.Int("redis-db", 0, "Redis database number")
	timeout := flag.Duration("timeout", 5*time.Second, "time allowed to each request")
	flag.Parse()

	rc := redis.NewClient(&redis.Options{Addr: *redisAddr, DB: *redisDB})
	defer rc.Close()
	ctx := context.Background()
	if err := rc.Ping(ctx).Err(); err != nil {
		fmt.Fprintf(os.Stderr, "routing-oracle: Redis at %s unreachable: %v\n", *redisAddr, err)
		os.Exit(2)
	}
	client, err := rpc.NewIOInfoClient(psrpc.NewRedisMessageBus(rc))
	if err != nil {
		fmt.Fprintf(os.Stderr, "routing-oracle: %v\n", err)
		os.Exit(2)
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	for in.Scan() {
		if len(in.Bytes()) == 0 {
			continue
		}
		if err := encoder.Encode(ask(ctx, client, in.Bytes(), *timeout)); err != nil {
			fmt.Fprintf(os.Stderr, "routing-oracle: %v\n", err)
			os.Exit(1)
		}
		// One answer per line as soon as it is known, so a caller may converse line by line.
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "routing-oracle: reading stdin: %v\n", err)
		os.Exit(1)
	}
}

func ask(ctx context.Context, client rpc.IOInfoClient, line []byte, timeout time.Duration) answer {
	var c call
	if err := json.Unmarshal(line, &c); err != nil {
		return answer{Error: &answerError{Code: "bad_request", Message: err.Error()}}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The SIP bridge fills both the call description and the older flat fields; the server reads both.
	sipCall := &rpc.SIPCall{
		LkCallId: c.CallID,
		SourceIp: c.SrcAddress,
		From:     &livekit.SIPUri{User: c.From, Host: c.FromHost},
		To:       &livekit.SIPUri{User: c.To, Host: c.ToHost},
	}
	sipCall.Address = sipCall.To
	var (
		resp proto.Message
		err  error
	)
	// A new client's reply subscription on Redis may not be in place when its first request is
	// answered ("no response from servers"); the question is read-only, so it is asked again.
	for attempt := 0; attempt < 5; attempt++ {
		resp, err = request(ctx, client, c, sipCall, timeout)
		if !errors.Is(err, psrpc.ErrNoResponse) {
			break
		}
	}
	if err != nil {
		return answer{Error: errorAnswer(err)}
	}
	body, err := protojson.Marshal(resp)
	if err != nil {
		return answer{Error: &answerError{Code: "internal", Message: err.Error()}}
	}
	return answer{Response: body}
}

func request(ctx context.Context, client rpc.IOInfoClient, c call, sipCall *rpc.SIPCall, timeout time.Duration) (proto.Message, error) {
	switch c.Op {
	case "evaluate", "":
		return client.EvaluateSIPDispatchRules(ctx, &rpc.EvaluateSIPDispatchRulesRequest{
			SipTrunkId:      c.TrunkID,
			Call:            sipCall,
			Pin:             c.Pin,
			NoPin:           c.NoPin,
			ExtraAttributes: c.ExtraAttributes,
			SipCallId:       c.CallID,
			CallingNumber:   c.From,
			CallingHost:     c.FromHost,
			CalledNumber:    c.To,
			CalledHost:      c.ToHost,
			SrcAddress:      c.SrcAddress,
		}, psrpc.WithRequestTimeout(timeout))
	case "auth":
		return client.GetSIPTrunkAuthentication(ctx, &rpc.GetSIPTrunkAuthenticationRequest{
			Call:       sipCall,
			SipCallId:  c.CallID,
			From:       c.From,
			FromHost:   c.FromHost,
			To:         c.To,
			ToHost:     c.ToHost,
			SrcAddress: c.SrcAddress,
		}, psrpc.WithRequestTimeout(timeout))
	default:
		return nil, errBadOp{c.Op}
	}
}

type errBadOp struct{ op string }

func (e errBadOp) Error() string { return fmt.Sprintf("unknown op %q: use evaluate or auth", e.op) }

// The server answers with Twirp errors; psrpc carries them as text ("twirp error <code>: <message>").
var twirpText = regexp.MustCompile(`^twirp error ([a-z_]+): (?s:(.*))$`)

// errorAnswer gives the server's own error code and message.
func errorAnswer(err error) *answerError {
	var (
		badOp errBadOp
		perr  psrpc.Error
	)
	if errors.As(err, &badOp) {
		return &answerError{Code: "bad_request", Message: err.Error()}
	}
	if m := twirpText.FindStringSubmatch(err.Error()); m != nil {
		return &answerError{Code: m[1], Message: m[2]}
	}
	if errors.As(err, &perr) {
		return &answerError{Code: string(perr.Code()), Message: err.Error()}
	}
	return &answerError{Code: "unknown", Message: err.Error()}
}
