/*
 * batch: the window of requests, the choice of a model within the budgets,
 * the answers, and the results in order (batch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "batchstate.h"
#include "batchwork.h"
#include "chatreq.h"
#include "cli.h"
#include "err.h"
#include "fallback.h"
#include "http.h"
#include "jsonl.h"
#include "utctime.h"

#define OUT_TOKENS_GUESS 4096	/* a request's answer, for --max-cost, when it sets no max_tokens */

enum item_state { IT_FREE, IT_READY, IT_RUNNING, IT_FINISHED };

struct item {
	enum item_state	 state;
	unsigned long	 line;
	char		*custom_id;
	char		*body;		/* the request sent: stream and our fields dropped */
	int		 completion;
	struct chatreq	 r;
	jv		 original;	/* the input line, for the dead letter */
	int		 attempts;
	long		 latency_ms;
	char		 reasons[512];
	struct fallback	 fb;		/* the model of the attempt in flight */
	double		 price_in, price_out, estimate;
	char		*result;	/* the result line, once finished */
	int		 failed;
};

struct batch {
	const struct batch_opts *o;
	struct item	*it;
	int		 cap, live;
	struct batchwork w;
	int		 on[BATCHWORK_MAX];	/* the item each worker runs */
	struct decider	 d;
	struct batchstate *st;
	struct batch_output out;
	FILE		*dead;
	struct jsonl_reader *rd;
	int		 in_fd;
	int		 eof, fatal, cost_stopped;
	long		 done, nfailed, bad, skipped;
	double		 spent, reserved;
	long long	 started, said;
	time_t		 wait_until;	/* the first model that fits is usable again */
};

/* What the admission of candidates learns. */
struct admission {
	struct batch	*b;
	struct item	*it;
	int		 cost_blocked;
};

/* --- the window of requests ------------------------------------------- */

static void
item_clear(struct item *it)
{
	free(it->custom_id);
	free(it->body);
	free(it->result);
	chatreq_free(&it->r);
	jv_free(it->original);
	fallback_free(&it->fb);
	memset(it, 0, sizeof *it);
	it->state = IT_FREE;
}

/* Requests in flight on provider. */
static int
in_flight(const struct batch *b, const char *provider)
{
	int n = 0;

	for (int i = 0; i < b->w.n; i++)
		if (b->w.busy[i] && strcmp(b->it[b->on[i]].fb.m[0].provider, provider) == 0)
			n++;
	return n;
}

/*
 * A usable candidate may take one more request: its budgets of requests
 * leave room for those in flight on its provider (counted against a
 * model's own budget too: the worst case), and a paid one's estimated cost
 * stays within --max-cost.
 */
static int
admit(const struct candidate *c, void *arg)
{
	static const int window[] = { BW_RPM, BW_RPD, BW_RPMO };
	struct admission *a = arg;
	struct batch *b = a->b;
	long long flying = in_flight(b, c->provider);
	long long out = a->it->r.q.min_context - a->it->r.q.prompt_tokens;
	double est = 0;

	for (size_t w = 0; w < sizeof window / sizeof window[0]; w++)
		if (c->budget.max[window[w]] >= 0 &&
		    c->budget.used[window[w]] + flying >= c->budget.max[window[w]])
			return 0;
	if (!c->free && c->has_prices)
		est = ((double)a->it->r.q.prompt_tokens * c->input_price +
		    (double)(out > 0 ? out : OUT_TOKENS_GUESS) * c->output_price) / 1e6;
	if (!c->free && b->o->max_cost >= 0 && b->spent + b->reserved + est > b->o->max_cost) {
		a->cost_blocked = 1;
		return 0;
	}
	a->it->estimate = est;
	a->it->price_in = c->free ? 0 : c->input_price;
	a->it->price_out = c->free ? 0 : c->output_price;
	return 1;
}

/* The request text of v (an object): stream and our own fields dropped.  NULL: out of memory. */
static char *
request_text(jv v)
{
	static const char *const drop[] = { "stream", "stream_options", "custom_id" };
	jv text;
	char *s;

	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		v = jv_object_delete(v, jv_string(drop[i]));
	text = jv_dump_string(v, 0);
	s = strdup(jv_string_value(text));
	jv_free(text);
	return s;
}

/*
 * The request of input line v (consumed): an OpenAI Batch API line
 * {custom_id, method, url, body}, a dead letter {request, reason} (its
 * request), or a chat body, whose custom_id is its own or "line-N".  NULL,
 * or what is wrong with it.
 */
static const char *
unwrap(struct item *it, jv v)
{
	jv id, body, url;

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return "not a JSON object";
	}
	body = jv_object_get(jv_copy(v), jv_string("request"));
	if (jv_get_kind(body) == JV_KIND_OBJECT) {
		jv_free(v);
		v = body;
	} else
		jv_free(body);
	id = jv_object_get(jv_copy(v), jv_string("custom_id"));
	body = jv_object_get(jv_copy(v), jv_string("body"));
	url = jv_object_get(jv_copy(v), jv_string("url"));
	if (jv_get_kind(id) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(id)) > 0 &&
	    jv_string_length_bytes(jv_copy(id)) <= 512)
		it->custom_id = strdup(jv_string_value(id));
	else if (jv_get_kind(id) == JV_KIND_INVALID || jv_get_kind(id) == JV_KIND_NULL) {
		char name[32];

		snprintf(name, sizeof name, "line-%lu", it->line);
		it->custom_id = strdup(name);
	}
	it->completion = jv_get_kind(url) == JV_KIND_STRING &&
	    strstr(jv_string_value(url), "/completions") != NULL &&
	    strstr(jv_string_value(url), "/chat/") == NULL;
	it->original = jv_copy(v);
	it->body = request_text(jv_get_kind(body) == JV_KIND_OBJECT ? jv_copy(body) : jv_copy(v));
	jv_free(id);
	jv_free(body);
	jv_free(url);
	jv_free(v);
	if (it->custom_id == NULL)
		return "custom_id must be a string of 1 to 512 bytes";
	return it->body == NULL ? "out of memory" : NULL;
}

/* The state's word on it: 1 to send it, 0 to skip it, -1 fatal. */
static int
wanted(struct batch *b, struct item *it)
{
	int s;

	if (b->st == NULL)
		return 1;
	if ((s = batchstate_begin(b->st, it->custom_id, it->line)) == -1)
		return -1;
	for (int i = 0; i < b->cap; i++)
		if (b->it[i].state != IT_FREE && &b->it[i] != it &&
		    strcmp(b->it[i].custom_id, it->custom_id) == 0) {
			err_warn("%s:%lu: custom_id %s appears twice, skipped", b->o->input_name,
			    it->line, it->custom_id);
			b->bad++;
			return 0;
		}
	if (b->o->retry_failed)
		return s == BATCHSTATE_FAILED;
	return s == BATCHSTATE_NEW || s == BATCHSTATE_PENDING;
}

/* Read one input line into the free item it.  1 read, 0 skipped, -1 end, -2 fatal. */
static int
read_one(struct batch *b, struct item *it)
{
	const char *line, *why;
	size_t len;
	jv v;
	int rc = jsonl_next_line(b->rd, &line, &len);

	if (rc == 0 || rc == -2)
		return rc == 0 ? -1 : -2;
	if (rc == -1 || jsonl_parse(b->rd, line, len, &v) != 1) {
		b->bad++;
		return 0;
	}
	memset(it, 0, sizeof *it);
	it->original = jv_invalid();
	it->r.body = jv_invalid();
	it->line = jsonl_line(b->rd);
	if ((why = unwrap(it, v)) == NULL)
		why = chatreq_parse(&it->r, it->body, strlen(it->body), utctime_now(), it->completion);
	if (why != NULL) {
		err_warn("%s:%lu: %s, skipped", b->o->input_name, it->line, why);
		b->bad++;
		item_clear(it);
		return 0;
	}
	it->r.q.max_price = b->o->max_price;
	it->state = IT_READY;
	if ((rc = wanted(b, it)) != 1) {
		b->skipped += rc == 0;
		item_clear(it);
		return rc == 0 ? 0 : -2;
	}
	b->live++;
	return 1;
}

/* Fill the window from the input while it has room (and, with work in flight, input is ready). */
static void
fill(struct batch *b, int busy)
{
	for (int i = 0; i < b->cap && !b->eof && !b->fatal; i++) {
		int rc;

		if (b->it[i].state != IT_FREE)
			continue;
		if (busy && !jsonl_buffered(b->rd))
			return;
		while ((rc = read_one(b, &b->it[i])) == 0)
			if (busy && !jsonl_buffered(b->rd))
				return;
		if (rc < 0) {
			b->eof = 1;
			b->fatal |= rc == -2;
		}
	}
}

/* --- results ------------------------------------------------------------- */

/* A key of the answer's JSON body (borrowed), or null. */
static jv
answer_get(jv answer, const char *key)
{
	return jv_get_kind(answer) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(answer), jv_string(key)) : jv_null();
}

/* The result line of it, whose last attempt ended with status and answer. */
static char *
result_line(const struct item *it, int status, jv answer)
{
	jv r = jv_object(), text;
	const struct fallback_model *m = it->fb.n > 0 ? &it->fb.m[0] : NULL;
	char *s;

	r = jv_object_set(r, jv_string("custom_id"), jv_string(it->custom_id));
	r = jv_object_set(r, jv_string("provider"), m ? jv_string(m->provider) : jv_null());
	r = jv_object_set(r, jv_string("model"), m ? jv_string(m->model) : jv_null());
	r = jv_object_set(r, jv_string("status"), jv_number(status));
	if (status == 200) {
		r = jv_object_set(r, jv_string("usage"), answer_get(answer, "usage"));
		r = jv_object_set(r, jv_string("response"), jv_copy(answer));
	} else {
		jv e = answer_get(answer, "error");

		if (jv_get_kind(e) != JV_KIND_OBJECT) {
			jv_free(e);
			e = jv_object_set(jv_object(), jv_string("message"), jv_string(it->reasons));
		}
		r = jv_object_set(r, jv_string("error"), e);
	}
	r = jv_object_set(r, jv_string("attempts"), jv_number(it->attempts));
	r = jv_object_set(r, jv_string("latency_ms"), jv_number((double)it->latency_ms));
	text = jv_dump_string(r, 0);
	s = strdup(jv_string_value(text));
	jv_free(text);
	return s;
}

/* The dead letter of it: the request as read, and why it failed. */
static void
dead_letter(struct batch *b, const struct item *it, int status)
{
	jv d;

	if (b->dead == NULL)
		return;
	d = jv_object_set(jv_object(), jv_string("custom_id"), jv_string(it->custom_id));
	d = jv_object_set(d, jv_string("status"), jv_number(status));
	d = jv_object_set(d, jv_string("attempts"), jv_number(it->attempts));
	d = jv_object_set(d, jv_string("reason"), jv_string(it->reasons));
	d = jv_object_set(d, jv_string("request"), jv_copy(it->original));
	if (jsonl_write(b->dead, d) != 0 || fflush(b->dead) == EOF) {
		err_warn("%s: cannot write a dead letter: %s", b->o->failed, strerror(errno));
		b->fatal = 1;
	}
}

/* Write it's result out (the state first) and free its place. */
static void
emit(struct batch *b, struct item *it)
{
	int rc = b->st ? batchstate_emit(b->st, it->custom_id, it->result, &b->out) :
	    batch_output_write(&b->out, it->result);

	b->fatal |= rc == -1;
	item_clear(it);
	b->live--;
}

/* Write out what is finished: all of it, or with --ordered what no earlier line waits for. */
static void
emit_finished(struct batch *b)
{
	for (;;) {
		struct item *first = NULL;

		for (int i = 0; i < b->cap; i++) {
			struct item *it = &b->it[i];

			if (it->state == IT_FINISHED && !b->o->ordered)
				emit(b, it);
			else if (it->state != IT_FREE && (first == NULL || it->line < first->line))
				first = it;
		}
		if (!b->o->ordered || first == NULL || first->state != IT_FINISHED)
			return;
		emit(b, first);
	}
}

/* it ended: done (status 200) or failed, with the last answer (borrowed). */
static void
finish(struct batch *b, struct item *it, int status, jv answer)
{
	it->failed = status != 200;
	if ((it->result = result_line(it, status, answer)) == NULL ||
	    (b->st && batchstate_finish(b->st, it->custom_id, it->failed, it->result) == -1)) {
		b->fatal = 1;
		return;
	}
	if (it->failed)
		dead_letter(b, it, status);
	it->state = IT_FINISHED;
	*(it->failed ? &b->nfailed : &b->done) += 1;
}

/* Add to it's reasons what one attempt (or the decision) met. */
static void
add_reason(struct item *it, const char *fmt, const char *a, const char *c, int status,
    const char *msg)
{
	size_t used = strlen(it->reasons);

	if (used + 2 >= sizeof it->reasons)
		return;
	snprintf(it->reasons + used, sizeof it->reasons - used, fmt, used ? "; " : "", a, c, status,
	    msg);
}

/* Cost of an answer: the provider's own figure, else its tokens at the model's prices. */
static double
answer_cost(const struct item *it, jv usage)
{
	jv cost = answer_get(usage, "cost"), pt = answer_get(usage, "prompt_tokens"),
	    ct = answer_get(usage, "completion_tokens");
	double c = jv_get_kind(cost) == JV_KIND_NUMBER ? jv_number_value(cost) :
	    ((jv_get_kind(pt) == JV_KIND_NUMBER ? jv_number_value(pt) : 0) * it->price_in +
	    (jv_get_kind(ct) == JV_KIND_NUMBER ? jv_number_value(ct) : 0) * it->price_out) / 1e6;

	jv_free(cost);
	jv_free(pt);
	jv_free(ct);
	return c >= 0 && c < 1e12 ? c : 0;
}

/* --- attempts ------------------------------------------------------------ */

/* Worker i's answer to the attempt of its item. */
static void
answered(struct batch *b, int i, struct batchwork_answer *a)
{
	struct item *it = &b->it[b->on[i]];
	jv answer = jv_parse_sized(a->body, (int)a->nbody), e, msg;
	const struct fallback_model *m = &it->fb.m[0];

	b->reserved -= it->estimate;
	if (!jv_is_valid(answer)) {
		jv_free(answer);
		answer = jv_null();
	}
	it->latency_ms += a->latency_ms;
	if (a->status == 0) {		/* not tried: the local server had no slot left */
		fallback_free(&it->fb);
		it->state = IT_READY;
	} else if (it->attempts++, a->status == 200) {
		jv usage = answer_get(answer, "usage");

		b->spent += answer_cost(it, usage);
		jv_free(usage);
		finish(b, it, 200, answer);
	} else {
		e = answer_get(answer, "error");
		msg = answer_get(e, "message");
		add_reason(it, "%s%s/%s: %d %.200s", m->provider, m->model, a->status,
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "no answer");
		jv_free(e);
		jv_free(msg);
		if (fallback_worth_retrying(a->status) && it->attempts <= b->o->retries) {
			fallback_free(&it->fb);
			it->state = IT_READY;
		} else
			finish(b, it, a->status, answer);
	}
	jv_free(answer);
}

/* A request no model can take, ever (none fits, an unknown model): failed now. */
static void
unanswerable(struct batch *b, struct item *it, int kind, const char *why)
{
	int status = kind == FALLBACK_UNKNOWN ? 404 : 400;

	add_reason(it, "%s%s%s%d %.400s", "", "", status, kind == FALLBACK_UNKNOWN ?
	    "the model asked for is in no provider's list" : why[0] ? why : "no model fits");
	finish(b, it, status, jv_null());
}

/*
 * No model can take it now: finished from the cache when one answered it
 * before (as a worker asks, not streamed).  1 finished, 0 not there, -1 fatal.
 */
static int
from_cache(struct batch *b, struct item *it)
{
	struct cache_entry e;
	int stream = it->r.stream, usage = it->r.include_usage, found;
	jv answer;

	it->r.stream = it->r.include_usage = 0;
	found = fallback_cached(&b->d, &it->r, NULL, "afmts-batch", &e);
	it->r.stream = stream;
	it->r.include_usage = usage;
	if (found != 1)
		return found;
	answer = jv_parse_sized(e.body, (int)e.nbody);
	fallback_free(&it->fb);
	it->fb.m[0] = (struct fallback_model){ .provider = strdup(e.provider),
	    .model = strdup(e.model) };
	it->fb.n = 1;
	cache_entry_free(&e);
	if (it->fb.m[0].provider == NULL || it->fb.m[0].model == NULL ||
	    jv_get_kind(answer) != JV_KIND_OBJECT) {
		jv_free(answer);
		fallback_free(&it->fb);
		return 0;
	}
	finish(b, it, 200, answer);
	jv_free(answer);
	return 1;
}

/*
 * Choose a model for it and give it to idle worker i: 1 sent, 0 no model
 * can take it now (b->wait_until says when one may), -1 fatal.
 */
static int
dispatch(struct batch *b, struct item *it, int i)
{
	struct admission adm = { .b = b, .it = it };
	struct batchwork_job job;
	char why[512] = "";
	long retry = 1;
	int kind;

	it->fb = (struct fallback){ .max = 1, .admit = admit, .admit_arg = &adm };
	it->r.q.now = utctime_now();
	if (fallback_choose(&it->fb, &b->d, &it->r, why, sizeof why) == -1)
		return -1;
	if (it->fb.n == 0) {
		kind = fallback_empty(&b->d, &it->r, &retry);
		if (kind == -1)
			return -1;
		if (kind == FALLBACK_UNKNOWN || kind == FALLBACK_NO_FIT) {
			unanswerable(b, it, kind, why);
			return 0;
		}
		if ((kind = from_cache(b, it)) != 0)
			return kind == -1 ? -1 : 0;
		b->cost_stopped |= adm.cost_blocked;
		if (b->wait_until == 0 || it->r.q.now + retry < b->wait_until)
			b->wait_until = it->r.q.now + (retry > 0 ? retry : 1);
		return 0;
	}
	job = (struct batchwork_job){ .id = (unsigned long)(it - b->it), .m = &it->fb.m[0],
	    .completion = it->completion, .timeout_ms = b->o->timeout_ms, .body = it->body };
	if (batchwork_send(&b->w, i, &job) == -1)
		return -1;
	b->on[i] = (int)(it - b->it);
	b->reserved += it->estimate;
	it->state = IT_RUNNING;
	return 1;
}

/* Give ready requests, oldest first, to idle workers.  Workers busy after, or -1. */
static int
dispatch_ready(struct batch *b)
{
	int busy = 0;

	b->wait_until = 0;
	b->cost_stopped = 0;
	for (int k = 0; k < b->cap; k++)
		if (b->it[k].state == IT_READY)
			b->it[k].fb.max = 0;	/* a mark: not asked yet in this turn */
	for (int w = 0; w < b->w.n; w++) {
		struct item *next = NULL;
		int rc = 0;

		if (b->w.busy[w]) {
			busy++;
			continue;
		}
		/* The oldest ready request that a model can take now. */
		for (int tries = 0; tries < b->cap && rc == 0; tries++) {
			next = NULL;
			for (int k = 0; k < b->cap; k++)
				if (b->it[k].state == IT_READY && b->it[k].fb.max == 0 &&
				    (next == NULL || b->it[k].line < next->line))
					next = &b->it[k];
			if (next == NULL)
				break;
			if ((rc = dispatch(b, next, w)) == 0 && next->state == IT_READY)
				next->fb.max = -1;	/* none now: not asked again this turn */
		}
		if (rc == -1)
			return -1;
		busy += rc;
		if (rc == 0)
			break;
	}
	return busy;
}

/* --- the run ------------------------------------------------------------- */

/* The progress line (a terminal's): done, failed, in flight, waiting, and an ETA. */
static void
progress(struct batch *b, int busy, int end)
{
	long long now = http_clock_ms(), eta = -1;
	int waiting = b->live - busy;
	struct stat st;
	off_t at;

	if (!b->o->progress || (!end && now - b->said < 1000))
		return;
	b->said = now;
	at = lseek(b->in_fd, 0, SEEK_CUR);
	if (fstat(b->in_fd, &st) == 0 && S_ISREG(st.st_mode) && at > 0 && st.st_size > at)
		eta = (now - b->started) * (st.st_size - at) / at / 1000;
	fprintf(stderr, "\r%s: %ld done, %ld failed, %d in flight, %d waiting", err_prog(),
	    b->done, b->nfailed, busy, waiting > 0 ? waiting : 0);
	if (b->wait_until > 0 && busy == 0)
		fprintf(stderr, ", a model is usable again in %lld s",
		    (long long)(b->wait_until - utctime_now()));
	if (eta >= 0)
		fprintf(stderr, ", ETA %lld min %lld s", eta / 60, eta % 60);
	fputs(end ? "\033[K\n" : "\033[K", stderr);
}

/* Wait for answers (or input, or the time a model is usable again) and take them. */
static void
wait_and_take(struct batch *b, int busy)
{
	struct pollfd p[BATCHWORK_MAX + 1];
	int n = 0, timeout = -1, from[BATCHWORK_MAX + 1];

	for (int i = 0; i < b->w.n; i++)
		if (b->w.busy[i]) {
			p[n] = (struct pollfd){ .fd = b->w.from[i], .events = POLLIN };
			from[n++] = i;
		}
	if (!b->eof && b->live < b->cap) {
		p[n] = (struct pollfd){ .fd = b->in_fd, .events = POLLIN };
		from[n++] = -1;
	}
	if (b->live > busy)		/* requests wait for a model: look again within a second */
		timeout = 1000;
	if (b->o->progress && timeout < 0)
		timeout = 1000;
	if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR) {
		err_warn("poll: %s", strerror(errno));
		b->fatal = 1;
		return;
	}
	for (int k = 0; k < n; k++)
		if (from[k] >= 0 && (p[k].revents & (POLLIN | POLLHUP | POLLERR))) {
			struct batchwork_answer a;

			if (batchwork_receive(&b->w, from[k], &a) == -1) {
				b->fatal = 1;
				return;
			}
			answered(b, from[k], &a);
			batchwork_answer_free(&a);
		}
}

/* The loop: fill the window, send what can go, wait, take answers, write results. */
static void
loop(struct batch *b)
{
	int busy = 0;

	for (;;) {
		fill(b, busy);
		if (b->fatal || (busy = dispatch_ready(b)) < 0) {
			b->fatal = 1;
			break;
		}
		emit_finished(b);
		progress(b, busy, 0);
		if (b->fatal || (b->eof && b->live == 0))
			break;
		if (busy == 0 && b->cost_stopped) {
			err_warn("--max-cost %.6g reached (%.6g spent): %d requests not sent",
			    b->o->max_cost, b->spent, b->live);
			break;
		}
		wait_and_take(b, busy);
	}
	progress(b, 0, 1);
}

/* Open what the run writes: the output, the state (and what it kept unwritten), dead letters. */
static int
open_outputs(struct batch *b)
{
	const struct batch_opts *o = b->o;
	int fd = o->output ? open(o->output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666) : 1;
	long n;

	if (fd < 0 || batch_output_init(&b->out, fd, o->output) == -1) {
		err_warn("%s: %s", o->output ? o->output : "stdout", strerror(errno));
		return -1;
	}
	if (o->failed && (b->dead = fopen(o->failed, "a")) == NULL) {
		err_warn("%s: %s", o->failed, strerror(errno));
		return -1;
	}
	if (o->state && (b->st = batchstate_open(o->state)) == NULL)
		return -1;
	if (b->st && (n = batchstate_recover(b->st, &b->out)) < 0)
		return -1;
	return 0;
}

static void
close_all(struct batch *b)
{
	for (int i = 0; i < b->cap; i++)
		if (b->it[i].state != IT_FREE)
			item_clear(&b->it[i]);
	free(b->it);
	batchwork_stop(&b->w);
	decider_close(&b->d);
	batchstate_close(b->st);
	if (b->dead)
		fclose(b->dead);
	if (b->o->output && b->out.fd > 2)
		close(b->out.fd);
	if (b->rd)
		jsonl_close(b->rd);
}

int
batch_run(const struct batch_opts *o, FILE *in)
{
	struct batch b = { .o = o, .in_fd = fileno(in) };
	sqlite3 *db;
	int rc = CLI_OK, code;

	b.cap = o->parallel * 4 < 64 ? 64 : o->parallel * 4;
	b.started = http_clock_ms();
	/* Workers first: nothing of SQLite's may cross a fork. */
	if ((b.it = calloc((size_t)b.cap, sizeof *b.it)) == NULL ||
	    batchwork_start(&b.w, o->parallel, o->catalog) == -1) {
		close_all(&b);
		return CLI_FAILED;
	}
	decider_init(&b.d, o->catalog, 1, 1);
	b.d.source = DECIDE_CATALOG;
	if ((code = decider_catalog(&b.d, &db)) < 0) {
		if (code == DECIDE_MISSING)
			err_warn("catalog %s: not found (run afmts-discover first)", o->catalog);
		close_all(&b);
		return CLI_UNAVAILABLE;
	}
	if (open_outputs(&b) == -1 || (b.rd = jsonl_open(in, o->input_name, o->max_line)) == NULL) {
		close_all(&b);
		return CLI_FAILED;
	}
	loop(&b);
	if (b.fatal)
		rc = CLI_FAILED;
	else if (b.nfailed > 0 || b.bad > 0 || b.live > 0)
		rc = CLI_PARTIAL;
	if (o->verbose)
		err_warn("%ld done, %ld failed, %ld bad lines, %ld skipped (done before), %d not sent; "
		    "%.6g USD; %.1f s", b.done, b.nfailed, b.bad, b.skipped, b.live, b.spent,
		    (double)(http_clock_ms() - b.started) / 1000);
	close_all(&b);
	return rc;
}
