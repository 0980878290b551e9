// The official openai npm package against afmts-gateway: one scenario per
// name on the command line (node scenarios.mjs NAME), for test/sdk.bats.
//
// The gateway is at AFMTS_URL (its /v1 base URL), with the client key
// AFMTS_KEY ("unused" when the gateway has none); the error_shape scenario
// also asks AFMTS_KEYED_URL, a gateway with client keys, when it is set.
// The catalog behind it is test/sdk.bats's: each model id below is served by
// the mode of test/mock-llm that its name says (m-long by "long", m-rl1 by
// "ratelimited"...).
//
// A scenario prints one JSON line of what it observed, {"scenario", "ok",
// ...}, and exits 0 when the behaviour is right, or 1 with "ok": false and a
// "message" saying what was wrong (also on standard error).  The client never
// retries (maxRetries: 0): what it sees is what the gateway answered.
import OpenAI from 'openai';

const baseURL = process.env.AFMTS_URL;
const apiKey = process.env.AFMTS_KEY || 'unused';
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60000 });

const hello = [{ role: 'user', content: 'Say hello' }];
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};
const imagePart = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };

class Failure extends Error {}

// What a scenario saw so far: printed whether it passes or fails.
const seen = {};

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

// describe(e): what an error thrown by the SDK says, in a few fields.
// A stream of model that must end with an APIError, not as a finished answer.
async function streamMustThrow(model, content, failure) {
  const stream = await client.chat.completions.create({
    model, stream: true, messages: [{ role: 'user', content }],
  });
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.choices?.[0]?.delta?.content ?? '';
  } catch (e) {
    seen.text = text;
    seen.thrown = describe(e);
    check(e instanceof OpenAI.APIError, `thrown, but not as an APIError: ${e?.constructor?.name}: ${e?.message}`);
    return;
  }
  seen.text = text;
  throw new Failure(`${failure} ${JSON.stringify(text)}`);
}

function describe(e) {
  return {
    class: e?.constructor?.name,
    status: e?.status,
    code: e?.code,
    type: e?.type,
    param: e?.param,
    message: String(e?.message).slice(0, 300),
    ...(e?.error !== undefined ? { error: e.error } : {}),
  };
}

// thrown(promise): the error it rejects with, or a Failure when it resolves.
async function thrown(promise, what) {
  try {
    const value = await promise;
    throw new Failure(`${what} answered instead of throwing: ${JSON.stringify(value).slice(0, 200)}`);
  } catch (e) {
    if (e instanceof Failure) throw e;
    return e;
  }
}

// expectError(e, Class, status, what): e is the SDK's Class with that status.
function expectError(e, Class, status, what) {
  seen[what] = describe(e);
  check(e instanceof Class, `${what}: expected ${Class.name}, got ${e?.constructor?.name}: ${e?.message}`);
  check(e.status === status, `${what}: expected status ${status}, got ${e.status}: ${e.message}`);
}

// readStream(stream): the text, chunks and usage of a chat completion stream.
async function readStream(stream) {
  const out = { text: '', chunks: 0, usage: [] };
  for await (const chunk of stream) {
    out.chunks++;
    out.text += chunk.choices?.[0]?.delta?.content ?? '';
    if (chunk.usage) out.usage.push({ at: out.chunks, usage: chunk.usage, choices: chunk.choices.length });
  }
  return out;
}

const scenarios = {
  async list() {
    const ids = [];
    for await (const model of client.models.list()) {
      check(typeof model.id === 'string' && model.object === 'model',
        `a model of the list is not a model object: ${JSON.stringify(model)}`);
      ids.push(model.id);
    }
    seen.models = ids.length;
    check(ids.includes('m-ok') && ids.includes('m-long'), `m-ok and m-long not listed: ${ids.join(' ')}`);
  },

  async retrieve() {
    const model = await client.models.retrieve('m-ok');
    seen.model = model;
    check(model.id === 'm-ok' && model.object === 'model', `not the model m-ok: ${JSON.stringify(model)}`);
    check(Number.isInteger(model.created), `created is not an integer: ${JSON.stringify(model)}`);
    check(typeof model.owned_by === 'string' && model.owned_by !== '',
      `owned_by is not a string: ${JSON.stringify(model)}`);
    const e = await thrown(client.models.retrieve('no-such-model'), 'retrieving an unknown model');
    expectError(e, OpenAI.NotFoundError, 404, 'unknown');
    check(e.code === 'model_not_found', `unknown model: code ${e.code}, not model_not_found`);
  },

  async chat() {
    const { data, response } = await client.chat.completions
      .create({ model: 'm-chat', messages: hello }).withResponse();
    seen.content = data.choices[0]?.message?.content;
    seen.model = response.headers.get('x-afmts-model');
    seen.request_id = data._request_id ?? null;
    check(seen.content === 'you said: Say hello', `content: ${JSON.stringify(seen.content)}`);
    check(seen.model === 'm-chat', `x-afmts-model: ${seen.model}`);
    check(data.usage?.prompt_tokens > 0, `no usage: ${JSON.stringify(data.usage)}`);
    // The upstream's x-request-id reaches the SDK (its _request_id).
    check(/^req_mock[0-9]+$/.test(seen.request_id ?? ''), `_request_id: ${seen.request_id}`);
  },

  async stream() {
    const stream = await client.chat.completions.create({
      model: 'm-stream', stream: true, messages: [{ role: 'user', content: 'count to three' }],
    });
    Object.assign(seen, await readStream(stream));
    check(seen.text === 'you said: count to three', `text: ${JSON.stringify(seen.text)}`);
    check(seen.usage.length === 0, `usage chunks nobody asked for: ${JSON.stringify(seen.usage)}`);
  },

  async stream_usage() {
    const stream = await client.chat.completions.create({
      model: 'm-usage', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count to three' }],
    });
    Object.assign(seen, await readStream(stream));
    check(seen.text === 'you said: count to three', `text: ${JSON.stringify(seen.text)}`);
    const last = seen.usage[seen.usage.length - 1];
    check(last && last.at === seen.chunks, `the last chunk has no usage: ${JSON.stringify(seen.usage)}`);
    check(last.usage.prompt_tokens > 0, `prompt_tokens: ${JSON.stringify(last.usage)}`);
  },

  async tools() {
    const reply = await client.chat.completions.create({
      model: 'm-tools', tools: [weatherTool],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const choice = reply.choices[0];
    seen.finish_reason = choice?.finish_reason;
    seen.tool_calls = choice?.message?.tool_calls;
    check(seen.finish_reason === 'tool_calls', `finish_reason: ${seen.finish_reason}`);
    const call = seen.tool_calls?.[0];
    check(call?.function?.name === 'get_weather', `no call of get_weather: ${JSON.stringify(seen.tool_calls)}`);
    check(JSON.parse(call.function.arguments).city === 'Paris', `arguments: ${call.function.arguments}`);
  },

  async stream_tools() {
    const runner = client.chat.completions.stream({
      model: 'm-tools', tools: [weatherTool],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    const deltas = [];
    runner.on('tool_calls.function.arguments.delta', (d) => deltas.push(d.arguments_delta));
    const done = await runner.finalChatCompletion();
    seen.argument_deltas = deltas.length;
    seen.tool_calls = done.choices[0]?.message?.tool_calls;
    const call = seen.tool_calls?.[0];
    check(call?.function?.name === 'get_weather', `no call of get_weather: ${JSON.stringify(seen.tool_calls)}`);
    check(JSON.parse(call.function.arguments).city === 'Paris', `arguments: ${call.function.arguments}`);
    check(done.choices[0].finish_reason === 'tool_calls', `finish_reason: ${done.choices[0].finish_reason}`);
  },

  async json_schema() {
    const reply = await client.chat.completions.parse({
      model: 'm-json',
      messages: [{ role: 'user', content: 'The weather in Paris, as JSON' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'weather', strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, temperature: { type: 'number' } },
            required: ['city', 'temperature'],
            additionalProperties: false,
          },
        },
      },
    });
    seen.parsed = reply.choices[0]?.message?.parsed;
    check(seen.parsed?.city === 'Paris' && seen.parsed?.temperature === 21,
      `parsed: ${JSON.stringify(seen.parsed)}`);
  },

  async vision() {
    // afmts/auto: the image part makes vision a requirement, which m-vision alone meets.
    const { data, response } = await client.chat.completions.create({
      model: 'afmts/auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, imagePart] }],
    }).withResponse();
    seen.model = response.headers.get('x-afmts-model');
    seen.content = data.choices[0]?.message?.content;
    check(seen.model === 'm-vision', `x-afmts-model: ${seen.model}`);
    check(seen.content === 'you said: What is in this image?', `content: ${JSON.stringify(seen.content)}`);
  },

  async fallback() {
    const { data, response } = await client.chat.completions.create({
      model: 'm-fb429', afmts_fallback: ['m-fbok'], messages: hello,
    }).withResponse();
    seen.provider = response.headers.get('x-afmts-provider');
    seen.model = response.headers.get('x-afmts-model');
    seen.attempts = response.headers.get('x-afmts-attempts');
    seen.content = data.choices[0]?.message?.content;
    check(seen.provider === 'pfbok' && seen.model === 'm-fbok',
      `answered by ${seen.provider}/${seen.model}, not pfbok/m-fbok`);
    check(seen.attempts === '2', `x-afmts-attempts: ${seen.attempts}`);
    check(seen.content === 'you said: Say hello', `content: ${JSON.stringify(seen.content)}`);
  },

  async all_failing() {
    const e = await thrown(client.chat.completions.create({
      model: 'm-500a', afmts_fallback: ['m-500b'], messages: hello,
    }), 'every candidate failing');
    expectError(e, OpenAI.APIError, 502, 'error');
  },

  async rate_limited() {
    const e = await thrown(client.chat.completions.create({
      model: 'm-rl1', afmts_fallback: ['m-rl2'], messages: hello,
    }), 'every candidate rate limited');
    expectError(e, OpenAI.RateLimitError, 429, 'error');
    seen.retry_after = e.headers?.get('retry-after') ?? null;
    check(seen.retry_after !== null && /^[0-9]+$/.test(seen.retry_after),
      `Retry-After: ${seen.retry_after}`);
  },

  async unknown_model() {
    const e = await thrown(client.chat.completions.create({ model: 'no-such-model', messages: hello }),
      'an unknown model');
    expectError(e, OpenAI.NotFoundError, 404, 'error');
    check(e.code === 'model_not_found', `code ${e.code}, not model_not_found`);
  },

  async impossible() {
    // Tools and an image: m-tools has tools, m-vision vision, no model both.
    const e = await thrown(client.chat.completions.create({
      model: 'afmts/auto', tools: [weatherTool],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Where is this?' }, imagePart] }],
    }), 'a request no model can serve');
    expectError(e, OpenAI.BadRequestError, 400, 'error');
    check(e.type === 'invalid_request_error', `type ${e.type}, not invalid_request_error`);
  },

  async cancel() {
    const ac = new AbortController();
    const stream = await client.chat.completions.create({
      model: 'm-long', stream: true, messages: [{ role: 'user', content: 'count to twenty' }],
    }, { signal: ac.signal });
    seen.chunks = 0;
    const timer = setTimeout(() => {
      seen.aborted_at = Date.now() / 1000;
      seen.chunks_at_abort = seen.chunks;
      ac.abort();
    }, 1000);
    try {
      for await (const chunk of stream) {
        if (chunk.choices?.[0]?.delta?.content) seen.chunks++;
      }
    } catch (e) {
      seen.thrown = describe(e);
      check(e instanceof OpenAI.APIUserAbortError || e?.name === 'AbortError',
        `the stream failed otherwise than by the abort: ${e?.constructor?.name}: ${e?.message}`);
    }
    clearTimeout(timer);
    seen.ended_at = Date.now() / 1000;
    check(seen.aborted_at !== undefined, `the stream ended before the abort, with ${seen.chunks} chunks`);
    check(seen.chunks >= 1, 'no chunk arrived in the first second');
    check(seen.chunks < 20, 'every chunk arrived: the abort did not stop the stream');
    check(seen.ended_at - seen.aborted_at < 0.5,
      `the SDK went on ${(seen.ended_at - seen.aborted_at).toFixed(2)} s after the abort`);
  },

  async cut() {
    await streamMustThrow('m-cut', 'a cut stream', 'the cut stream ended as if finished, with the partial text');
  },

  async error_event() {
    await streamMustThrow('m-errevent', 'an error event', 'the stream with an error event ended as if finished, text');
  },


  async keys() {
    // AFMTS_URL is a gateway with client keys, AFMTS_KEY one of them.
    const none = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, defaultHeaders: { Authorization: null } });
    expectError(await thrown(none.chat.completions.create({ model: 'm-ok', messages: hello }), 'no key'),
      OpenAI.AuthenticationError, 401, 'no_key');
    const wrong = new OpenAI({ baseURL, apiKey: 'wrong-key-0123456789abcdef', maxRetries: 0 });
    expectError(await thrown(wrong.chat.completions.create({ model: 'm-ok', messages: hello }), 'a wrong key'),
      OpenAI.AuthenticationError, 401, 'wrong_key');
    expectError(await thrown(none.models.list(), 'listing models without a key'),
      OpenAI.AuthenticationError, 401, 'no_key_models');
    const reply = await client.chat.completions.create({ model: 'm-ok', messages: hello });
    seen.content = reply.choices[0]?.message?.content;
    check(seen.content === 'hello from ok', `with the key: ${JSON.stringify(seen.content)}`);
  },

  async big() {
    const prompt = 'a'.repeat(1 << 20);
    const reply = await client.chat.completions.create({
      model: 'm-ok', messages: [{ role: 'user', content: prompt }],
    });
    seen.content = reply.choices[0]?.message?.content;
    seen.prompt_tokens = reply.usage?.prompt_tokens;
    check(seen.content === 'hello from ok', `content: ${JSON.stringify(seen.content)}`);
  },

  async concurrent() {
    const n = 50;
    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: n }, async (_, i) => {
      const stream = await client.chat.completions.create({
        model: 'm-conc', stream: true, messages: [{ role: 'user', content: `stream number ${i}` }],
      });
      return (await readStream(stream)).text;
    }));
    seen.seconds = (Date.now() - t0) / 1000;
    const wrong = [];
    results.forEach((r, i) => {
      const want = `you said: stream number ${i}`;
      if (r.status === 'rejected') wrong.push(`${i}: ${r.reason?.constructor?.name}: ${r.reason?.message}`);
      else if (r.value !== want) wrong.push(`${i}: ${JSON.stringify(r.value)}`);
    });
    seen.complete = n - wrong.length;
    check(wrong.length === 0, `${wrong.length} of ${n} streams wrong, e.g. ${wrong.slice(0, 3).join('; ')}`);
  },

  async error_shape() {
    const probes = {
      empty_messages: () => client.chat.completions.create({ model: 'm-ok', messages: [] }),
      malformed_json: () => client.post('/chat/completions',
        { body: '{"messages":', headers: { 'Content-Type': 'application/json' } }),
      not_json: () => client.post('/chat/completions',
        { body: '{}', headers: { 'Content-Type': 'text/plain' } }),
      too_big: () => client.chat.completions.create({
        model: 'm-ok', messages: [{ role: 'user', content: 'a'.repeat(5 << 20) }],
      }),
      get_chat: () => client.get('/chat/completions'),
      unknown_model: () => client.chat.completions.create({ model: 'no-such-model', messages: hello }),
      unknown_retrieve: () => client.models.retrieve('no-such-model'),
      impossible: () => client.chat.completions.create({
        model: 'afmts/auto', tools: [weatherTool],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, imagePart] }],
      }),
      all_failing: () => client.chat.completions.create({
        model: 'm-500a', afmts_fallback: ['m-500b'], messages: hello,
      }),
      rate_limited: () => client.chat.completions.create({
        model: 'm-rl1', afmts_fallback: ['m-rl2'], messages: hello,
      }),
    };
    if (process.env.AFMTS_KEYED_URL) {
      const none = new OpenAI({
        baseURL: process.env.AFMTS_KEYED_URL, apiKey: 'unused', maxRetries: 0,
        defaultHeaders: { Authorization: null },
      });
      probes.no_key = () => none.chat.completions.create({ model: 'm-ok', messages: hello });
    }
    const bad = [];
    seen.statuses = {};
    for (const [name, probe] of Object.entries(probes)) {
      const e = await thrown(probe(), name);
      seen.statuses[name] = e?.status;
      if (e?.status === 405) {
        seen.allow = e.headers?.get('allow') ?? null;
        if (!/\bPOST\b/.test(seen.allow ?? '')) bad.push(`${name} (405): Allow: ${seen.allow}`);
      }
      const err = e?.error;
      const members = err && typeof err === 'object' ? Object.keys(err).sort().join(',') : typeof err;
      if (!(e instanceof OpenAI.APIError) || !e.status) bad.push(`${name}: not an HTTP error: ${e?.message}`);
      else if (members !== 'code,message,param,type') bad.push(`${name} (${e.status}): members ${members}`);
      else if (typeof err.message !== 'string' || err.message === '' || typeof err.type !== 'string' ||
        !(err.param === null || typeof err.param === 'string') ||
        !(err.code === null || typeof err.code === 'string')) {
        bad.push(`${name} (${e.status}): ${JSON.stringify(err)}`);
      }
    }
    check(bad.length === 0, bad.join('; '));
  },
};

const name = process.argv[2];
if (!Object.hasOwn(scenarios, name)) {
  console.error(`usage: node scenarios.mjs NAME, NAME one of: ${Object.keys(scenarios).join(' ')}`);
  process.exit(2);
}
if (!baseURL) {
  console.error('scenarios.mjs: AFMTS_URL is not set');
  process.exit(2);
}

// No scenario may hang: after 60 s it fails.
const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ scenario: name, ok: false, message: 'no end after 60 s', ...seen }));
  console.error(`${name}: no end after 60 s`);
  process.exit(1);
}, 60000);

try {
  await scenarios[name]();
  console.log(JSON.stringify({ scenario: name, ok: true, ...seen }));
  process.exitCode = 0;
} catch (e) {
  const message = e instanceof Failure ? e.message : `unexpected ${describe(e).class}: ${describe(e).message}`;
  if (!(e instanceof Failure)) seen.thrown = describe(e);
  console.log(JSON.stringify({ scenario: name, ok: false, message, ...seen }));
  console.error(`${name}: ${message}`);
  process.exitCode = 1;
}
clearTimeout(watchdog);
