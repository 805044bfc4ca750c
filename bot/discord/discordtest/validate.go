package discordtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specJSON is Discord's official OpenAPI 3.1 description of the v10 HTTP API
// (discord/discord-api-spec, MIT). It is embedded so that the fake validates
// requests on a fresh clone with no network.
//
//go:embed testdata/discord-api-spec/openapi.json
var specJSON []byte

// specURL is the URL the whole OpenAPI document is registered under as one
// JSON Schema resource, so that "$ref": "#/components/schemas/X" inside any
// operation resolves against the document itself.
const specURL = "https://discord.test/openapi.json"

// spec is the parsed OpenAPI document plus a cache of compiled schemas. It is
// shared by every Server in the process: parsing 1 MB of JSON and compiling
// schemas is the expensive part of a fake, and the document never changes.
type spec struct {
	doc    map[string]any
	routes []specRoute

	mu       sync.Mutex // guards compiler and compiled
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// specRoute is one path template of the spec, split into segments for
// matching, with the methods it defines.
type specRoute struct {
	template string   // "/channels/{channel_id}/messages"
	segments []string // "channels", "{channel_id}", "messages"
	literals int      // number of non-parameter segments, for precedence
	methods  map[string]bool
}

var (
	loadedSpec    *spec
	loadedSpecErr error
	loadSpecOnce  sync.Once
)

// theSpec parses the embedded spec once per process.
func theSpec() (*spec, error) {
	loadSpecOnce.Do(func() {
		loadedSpec, loadedSpecErr = parseSpec(specJSON)
	})
	return loadedSpec, loadedSpecErr
}

func parseSpec(raw []byte) (*spec, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("discordtest: parse openapi.json: %w", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("discordtest: openapi.json is not an object")
	}
	c := jsonschema.NewCompiler()
	// OpenAPI 3.1's default dialect is JSON Schema 2020-12; the document
	// has no "$schema" of its own, so say it explicitly.
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, doc); err != nil {
		return nil, fmt.Errorf("discordtest: add openapi.json: %w", err)
	}
	s := &spec{doc: m, compiler: c, compiled: map[string]*jsonschema.Schema{}}
	paths, _ := m["paths"].(map[string]any)
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		r := specRoute{template: tmpl, segments: strings.Split(strings.Trim(tmpl, "/"), "/"), methods: map[string]bool{}}
		for _, seg := range r.segments {
			if !isParam(seg) {
				r.literals++
			}
		}
		for method := range ops {
			switch method {
			case "get", "put", "post", "patch", "delete":
				r.methods[strings.ToUpper(method)] = true
			}
		}
		s.routes = append(s.routes, r)
	}
	// Deterministic precedence: a literal segment beats a parameter at the
	// same position ("/members/search" over "/members/{user_id}").
	sort.Slice(s.routes, func(i, j int) bool { return s.routes[i].template < s.routes[j].template })
	return s, nil
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// match finds the spec template for a request path (without the /api/vN
// prefix) and returns it with the path parameters. ok is false if no template
// has that shape; methodOK is false if the template exists but not for method.
func (s *spec) match(method, path string) (tmpl string, params map[string]string, methodOK, ok bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *specRoute
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segments) != len(segs) || !segmentsMatch(r.segments, segs) {
			continue
		}
		if best == nil || moreSpecific(r, best) {
			best = r
		}
	}
	if best == nil {
		return "", nil, false, false
	}
	params = map[string]string{}
	for i, seg := range best.segments {
		if isParam(seg) {
			params[seg[1:len(seg)-1]] = segs[i]
		}
	}
	return best.template, params, best.methods[method], true
}

func segmentsMatch(tmpl, segs []string) bool {
	for i, t := range tmpl {
		if segs[i] == "" {
			return false
		}
		if !isParam(t) && t != segs[i] {
			return false
		}
	}
	return true
}

// moreSpecific reports whether a should win over b: the first position where
// one has a literal and the other a parameter decides.
func moreSpecific(a, b *specRoute) bool {
	for i := range a.segments {
		pa, pb := isParam(a.segments[i]), isParam(b.segments[i])
		if pa != pb {
			return !pa
		}
	}
	return a.literals > b.literals
}

// schema compiles (once) the schema at a JSON pointer inside the document,
// e.g. "/paths/~1channels~1{channel_id}~1messages/post/requestBody/content/application~1json/schema".
func (s *spec) schema(pointer string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[pointer]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(specURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("discordtest: compile %s: %w", pointer, err)
	}
	s.compiled[pointer] = sch
	return sch, nil
}

// escapePointer escapes one JSON pointer token (RFC 6901).
func escapePointer(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// operation returns the spec's operation object for a template and method.
func (s *spec) operation(tmpl, method string) map[string]any {
	paths, _ := s.doc["paths"].(map[string]any)
	item, _ := paths[tmpl].(map[string]any)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	return op
}

// hasJSONBody reports whether the operation declares an application/json body.
func (s *spec) hasJSONBody(tmpl, method string) bool {
	op := s.operation(tmpl, method)
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	_, ok := content["application/json"]
	return ok
}

// validateBody validates a decoded JSON body against the operation's
// application/json request schema. It returns "" when the body conforms.
func (s *spec) validateBody(tmpl, method string, body any) (string, error) {
	if !s.hasJSONBody(tmpl, method) {
		return "", nil
	}
	ptr := "/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/requestBody/content/application~1json/schema"
	sch, err := s.schema(ptr)
	if err != nil {
		return "", err
	}
	if err := sch.Validate(body); err != nil {
		return trimSchemaError(err), nil
	}
	return "", nil
}

// trimSchemaError turns a jsonschema error into one readable line per cause,
// without the long absolute schema URL.
func trimSchemaError(err error) string {
	msg := err.Error()
	// Drop the first line's "jsonschema validation failed with '<url>'".
	if i := strings.Index(msg, " - "); i >= 0 && strings.HasPrefix(msg, "jsonschema validation failed") {
		msg = msg[i+3:]
	}
	msg = strings.ReplaceAll(msg, specURL+"#", "#")
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

// queryParam is one query parameter the spec declares for an operation.
type queryParam struct {
	name     string
	required bool
	pointer  string // JSON pointer of its schema
	typ      string // JSON type after resolving $ref, to coerce the query string
}

// queryParams lists the declared query parameters of an operation.
func (s *spec) queryParams(tmpl, method string) []queryParam {
	op := s.operation(tmpl, method)
	list, _ := op["parameters"].([]any)
	var out []queryParam
	for i, p := range list {
		pm, _ := p.(map[string]any)
		if pm["in"] != "query" {
			continue
		}
		name, _ := pm["name"].(string)
		req, _ := pm["required"].(bool)
		ptr := "/paths/" + escapePointer(tmpl) + "/" + strings.ToLower(method) + "/parameters/" + strconv.Itoa(i) + "/schema"
		out = append(out, queryParam{name: name, required: req, pointer: ptr, typ: s.schemaType(pm["schema"])})
	}
	return out
}

// schemaType follows $ref and returns the first non-null "type" of a schema,
// or "" if it cannot tell.
func (s *spec) schemaType(v any) string {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		if ref, ok := m["$ref"].(string); ok {
			v = s.resolve(ref)
			continue
		}
		switch t := m["type"].(type) {
		case string:
			return t
		case []any:
			for _, x := range t {
				if str, _ := x.(string); str != "null" {
					return str
				}
			}
		}
		for _, k := range []string{"oneOf", "anyOf"} {
			if alts, ok := m[k].([]any); ok {
				for _, a := range alts {
					if t := s.schemaType(a); t != "" && t != "null" {
						return t
					}
				}
			}
		}
		return ""
	}
	return ""
}

// resolve follows a local "#/a/b" reference inside the document.
func (s *spec) resolve(ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = s.doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

// validateQuery checks the query string against the declared parameters:
// each value is coerced to the declared type and validated with its schema.
// Undeclared parameters are reported too: Discord ignores them, which hides
// typos such as "limt".
func (s *spec) validateQuery(tmpl, method string, query map[string][]string) ([]string, error) {
	declared := s.queryParams(tmpl, method)
	var problems []string
	known := map[string]bool{}
	for _, p := range declared {
		known[p.name] = true
		vals, ok := query[p.name]
		if !ok {
			if p.required {
				problems = append(problems, fmt.Sprintf("query parameter %q is required", p.name))
			}
			continue
		}
		sch, err := s.schema(p.pointer)
		if err != nil {
			return nil, err
		}
		for _, raw := range vals {
			v, ok := coerceQuery(raw, p.typ)
			if !ok {
				problems = append(problems, fmt.Sprintf("query parameter %s=%q is not a valid %s", p.name, raw, p.typ))
				continue
			}
			if err := sch.Validate(v); err != nil {
				problems = append(problems, fmt.Sprintf("query parameter %s=%q: %s", p.name, raw, trimSchemaError(err)))
			}
		}
	}
	for name := range query {
		if !known[name] {
			problems = append(problems, fmt.Sprintf("query parameter %q is not defined for this route", name))
		}
	}
	sort.Strings(problems)
	return problems, nil
}

// coerceQuery turns a query string value into the JSON value the schema
// expects.
func coerceQuery(raw, typ string) (any, bool) {
	switch typ {
	case "integer", "number":
		n := json.Number(raw)
		if _, err := n.Float64(); err != nil {
			return nil, false
		}
		return n, true
	case "boolean":
		switch raw {
		case "true", "True":
			return true, true
		case "false", "False":
			return false, true
		}
		return nil, false
	default:
		return raw, true
	}
}

// problem is one reason to reject a request.
type problem struct{ rule, detail string }

// validate checks a matched request against the spec (path and query
// parameters, JSON body) and then against the documented limits the spec
// leaves out. Limits are only checked on bodies that conform to the spec.
func (s *Server) validate(rc *reqCtx) []problem {
	var out []problem
	for _, p := range s.spec.pathProblems(rc.tmpl, rc.method, rc.params) {
		out = append(out, problem{RuleSpecParam, p})
	}
	qp, err := s.spec.validateQuery(rc.tmpl, rc.method, rc.query)
	if err != nil {
		return []problem{{RuleSpecParam, err.Error()}}
	}
	for _, p := range qp {
		out = append(out, problem{RuleSpecParam, p})
	}
	if len(rc.body) == 0 {
		if s.spec.bodyRequired(rc.tmpl, rc.method) {
			out = append(out, problem{RuleSpecBody, "request body is required"})
		}
		return out
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rc.body))
	if err != nil {
		return append(out, problem{RuleSpecBody, "invalid JSON: " + err.Error()})
	}
	normalise(rc.route, doc)
	msg, err := s.spec.validateBody(rc.tmpl, rc.method, doc)
	if err != nil {
		return append(out, problem{RuleSpecBody, err.Error()})
	}
	if msg != "" {
		return append(out, problem{RuleSpecBody, msg})
	}
	if len(out) > 0 {
		return out
	}
	return s.checkLimits(rc)
}

// normalise rewrites, in the decoded body, the few things the real Discord
// accepts although the spec forbids them, so that only real problems are
// reported. Each case names the field and why it is accepted.
func normalise(route string, doc any) {
	switch route {
	case "POST /guilds/{guild_id}/channels", "PATCH /channels/{channel_id}":
		// permission_overwrites[].allow/deny: the spec types them as
		// integers, but permissions are 64-bit bit sets that Discord itself
		// serialises as strings, and it accepts int-parseable strings;
		// discordgo sends them as strings (`json:",string"`).
		m, _ := doc.(map[string]any)
		list, _ := m["permission_overwrites"].([]any)
		for _, o := range list {
			om, _ := o.(map[string]any)
			numericStrings(om, "allow", "deny")
		}
	case "PUT /channels/{channel_id}/permissions/{overwrite_id}":
		// allow/deny: as above.
		m, _ := doc.(map[string]any)
		numericStrings(m, "allow", "deny")
	case "PUT /applications/{application_id}/guilds/{guild_id}/commands",
		"PUT /applications/{application_id}/commands":
		// default_member_permissions: a permission bit set; discordgo
		// sends it as a string (`json:",string"`), as Discord documents it.
		list, _ := doc.([]any)
		for _, c := range list {
			cm, _ := c.(map[string]any)
			numericStrings(cm, "default_member_permissions")
		}
	case "POST /applications/{application_id}/guilds/{guild_id}/commands",
		"POST /applications/{application_id}/commands":
		m, _ := doc.(map[string]any)
		numericStrings(m, "default_member_permissions")
	}
}

// numericStrings turns string fields holding unsigned integers into numbers.
func numericStrings(m map[string]any, keys ...string) {
	for _, k := range keys {
		if str, ok := m[k].(string); ok {
			if _, err := strconv.ParseUint(str, 10, 64); err == nil {
				m[k] = json.Number(str)
			}
		}
	}
}

// bodyRequired reports whether the operation's requestBody is required.
func (s *spec) bodyRequired(tmpl, method string) bool {
	rb, _ := s.operation(tmpl, method)["requestBody"].(map[string]any)
	req, _ := rb["required"].(bool)
	return req
}

// pathProblems validates path parameters against their schemas (most are
// snowflakes: an empty or non-numeric id is caught here).
func (s *spec) pathProblems(tmpl, method string, params map[string]string) []string {
	var out []string
	paths, _ := s.doc["paths"].(map[string]any)
	item, _ := paths[tmpl].(map[string]any)
	check := func(list []any, base string) {
		for i, p := range list {
			pm, _ := p.(map[string]any)
			if pm["in"] != "path" {
				continue
			}
			name, _ := pm["name"].(string)
			v, ok := params[name]
			if !ok {
				continue
			}
			sch, err := s.schema(base + "/" + strconv.Itoa(i) + "/schema")
			if err != nil {
				out = append(out, err.Error())
				continue
			}
			val, ok := coerceQuery(v, s.schemaType(pm["schema"]))
			if !ok {
				out = append(out, fmt.Sprintf("path parameter %s=%q is not a valid %s", name, v, s.schemaType(pm["schema"])))
				continue
			}
			if err := sch.Validate(val); err != nil {
				out = append(out, fmt.Sprintf("path parameter %s=%q: %s", name, v, trimSchemaError(err)))
			}
		}
	}
	base := "/paths/" + escapePointer(tmpl)
	if list, ok := item["parameters"].([]any); ok {
		check(list, base+"/parameters")
	}
	if op, ok := item[strings.ToLower(method)].(map[string]any); ok {
		if list, ok := op["parameters"].([]any); ok {
			check(list, base+"/"+strings.ToLower(method)+"/parameters")
		}
	}
	return out
}
