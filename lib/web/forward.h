/*
 * forward: one chat completion sent to one provider with libcurl, and what
 * came back.  A streamed answer is passed through, line by line, as it
 * arrives once the provider has said 200 with an event stream; before that
 * the answer is kept so that the caller can try another model.  A client
 * that goes away (a write to it fails) ends the transfer at once; a stream
 * the provider cuts before its [DONE] ends with an error event, OpenAI
 * style, and no [DONE], so that SDKs raise instead of taking part of an
 * answer for all of it.
 */
#ifndef AFMTS_FORWARD_H
#define AFMTS_FORWARD_H

#include <stddef.h>
#include <stdio.h>

#define FORWARD_MAX_ANSWER	(16 * 1024 * 1024)	/* bytes of a non-streamed answer kept */
#define FORWARD_MAX_HEADERS	8

struct attempt {
	/* What to send. */
	const char	*url, *key, *body;	/* key NULL: no Authorization header */
	int		 stream;
	int		 drop_usage;		/* a stream's usage-only chunk is not passed on
						   (the client did not ask for it) */
	long		 timeout_ms;
	/* Where a stream goes, and what writes the response head first. */
	FILE		*client;
	FILE		*tee;			/* NULL, or where a copy of the stream passed
						   on goes (the answer cache), up to
						   FORWARD_MAX_ANSWER bytes (ntee past it: cut) */
	size_t		 ntee;
	void		(*commit)(void *arg, const char *content_type);
	void		*commit_arg;
	/* What came back. */
	long		 status;		/* 0: no HTTP answer; after a stream passed on:
						   200, 499 (the client went away), or the
						   failure of a cut stream or an error event */
	long		 latency_ms, retry_after;	/* retry_after -1: none */
	int		 committed;		/* bytes went to the client: no fallback */
	int		 done_seen, stream_error, cancelled;	/* [DONE], an error event, the
						   client gone (its write failed) */
	char		 error[160];		/* transport error or provider message */
	char		 message[512];		/* a refusal's message from the provider, or "" */
	char		 etype[64];		/* and its OpenAI error type, or "" */
	char		 ecode[64];		/* and its error code, if a word, or "" */
	char		 request_id[128];	/* the provider's x-request-id, or "" */
	char		*answer;		/* non-streamed (or refused) body */
	size_t		 nanswer;
	char		 content_type[128];
	long long	 prompt_tokens, completion_tokens;
	int		 has_usage, has_cost;
	long long	 content_bytes;		/* of the answer's text, for an estimate */
	double		 cost;
	char		*header[FORWARD_MAX_HEADERS];	/* x-ratelimit-* lines */
	int		 nheader;
	/* Internal. */
	char		*line;			/* a streamed line not yet ended */
	size_t		 nline, capline;
	int		 in_head;		/* a status line was read, not yet the blank line */
};

/* Set up libcurl once per process.  0, or -1 after reporting. */
int forward_init(void);

/*
 * The client is gone (a web server's SIGTERM to its CGI program): the
 * transfer under way ends at its next chunk or progress call, recorded as
 * cancelled (499).  Async-signal-safe.
 */
void forward_cancel(void);

/* forward_cancel was called.  1 or 0. */
int forward_cancelled(void);

/*
 * Send a and fill its results.  Returns 0 when the provider answered with a
 * usable completion (status 200, no error inside), else -1 (a->status and
 * a->error say why; a->message and a->etype what the provider said, if it
 * said it in OpenAI's error shape).  The key is masked with '*' in
 * everything kept or passed on: the answer, the stream, the error texts and
 * the headers kept.  Free with forward_done.
 */
int forward_run(struct attempt *a);

void forward_done(struct attempt *a);

/*
 * The parts of forward_run, so that test/fuzz can give them a provider's
 * answer without a network: libcurl calls forward_header with each header
 * line and forward_body with each piece of the body (arg is the attempt,
 * whose status is 0 and retry_after -1 before the first call); then
 * forward_settle judges what came back (transport_error NULL when the
 * transfer completed, else what failed) and masks the key, and returns what
 * forward_run returns.
 */
size_t forward_header(char *p, size_t size, size_t nmemb, void *arg);
size_t forward_body(char *p, size_t size, size_t nmemb, void *arg);
int forward_settle(struct attempt *a, const char *transport_error);

#endif
