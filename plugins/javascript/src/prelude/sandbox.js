// One call: `begin` builds the objects a script sees from the host's call, `invoke` runs one
// script function with them (catching what it throws, then running its timers), and `finish`
// answers what the scripts did, and removes whatever they left on the global object.
var __skopos = (function () {
  var P = __postman, chai = __chai;
  // The global object's enumerable names once the sandbox is loaded: anything else a script
  // left there is removed when its call ends.
  var initialGlobals = null;
  var state = null;

  var names = ['pm', 'postman', 'tests', 'responseBody', 'responseCode', 'responseHeaders', 'responseTime',
    'responseCookies', 'request', 'environment', 'globals', 'data', 'iteration', '_', 'CryptoJS', 'atob', 'btoa',
    'xml2Json', 'tv4', 'console', 'require', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'];

  function text(value) {
    if (typeof value === 'string') return value;
    try { return JSON.stringify(value); } catch (e) { return String(value); }
  }

  function record(name, passed, message, skipped) {
    state.tests.push({ name: String(name), passed: !!passed, skipped: !!skipped, message: message === undefined ? null : String(message) });
  }

  function test(name, run) {
    if (typeof run !== 'function') { record(name, false, 'the test has no function'); return; }
    try {
      run(function () {});
      record(name, true);
    } catch (error) {
      record(name, false, error && error.message !== undefined ? (error.name ? error.name + ': ' : '') + error.message : String(error));
    }
  }
  test.skip = function (name) { record(name, true, undefined, true); };

  function expect(value, message) { return chai.expect(value, message); }
  expect.fail = chai.expect.fail;

  function sendRequest(given, callback) {
    var request = typeof given === 'string' ? { url: given, method: 'GET' } : given;
    var headers = [];
    var header = request.header || request.headers || [];
    if (Array.isArray(header)) header.forEach(function (h) { headers.push(typeof h === 'string' ? h.split(/:\s*/) : [h.key, String(h.value)]); });
    else if (header instanceof P.PropertyList) header.members.forEach(function (h) { headers.push([h.key, String(h.value)]); });
    else Object.keys(header).forEach(function (k) { headers.push([k, String(header[k])]); });
    var body = request.body ? (typeof request.body === 'string' ? request.body : request.body.raw !== undefined ? request.body.raw : JSON.stringify(request.body)) : '';
    var answer = JSON.parse(__send(JSON.stringify({ method: String(request.method || 'GET').toUpperCase(), url: String(request.url), headers: headers, body: body })));
    var error = answer.error === undefined ? null : new Error(answer.error);
    var response = error ? undefined : new P.Response({ status: answer.code, reason: '', headers: [], body: answer.body, time: 0 });
    if (typeof callback === 'function') callback(error, response);
  }

  function scope(name) {
    if (!state.scopes[name]) state.scopes[name] = {};
    return new P.VariableScope(name, state.scopes[name]);
  }

  function require(name) {
    var modules = { lodash: __lodash, chai: chai, 'crypto-js': __crypto, atob: __atob, btoa: __btoa, tv4: __tv4 };
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
    throw new Error("Cannot find module '" + name + "'");
  }

  // What every call shares: functions that read the call's `state`.
  var consoleObject = {};
  ['log', 'info', 'warn', 'error', 'debug', 'trace'].forEach(function (level) {
    consoleObject[level] = function () { state.console.push(Array.prototype.map.call(arguments, text).join(' ')); };
  });

  // As Postman's legacy interface does: a value other than `0`, `''`, `null`, `undefined`
  // is set as its text.
  function legacyValue(value) {
    return (value === false || value) && typeof (value && value.toString) === 'function' ? value.toString() : value;
  }
  var legacy = {
    setEnvironmentVariable: function (k, v) { state.environment.set(k, legacyValue(v)); },
    getEnvironmentVariable: function (k) { return state.environment.get(k); },
    clearEnvironmentVariable: function (k) { state.environment.unset(k); },
    clearEnvironmentVariables: function () { state.environment.clear(); },
    setGlobalVariable: function (k, v) { state.globals.set(k, legacyValue(v)); },
    getGlobalVariable: function (k) { return state.globals.get(k); },
    clearGlobalVariable: function (k) { state.globals.unset(k); },
    clearGlobalVariables: function () { state.globals.clear(); },
    getResponseHeader: function (name) { return response() ? response().headers.get(name) : undefined; },
    getResponseCookie: function (name) { return response() ? response().cookies.one(name) : undefined; },
    setNextRequest: function () {},
  };
  var xml2Json = function (xml) { return JSON.parse(__xmlToJson(String(xml))); };
  var timers = {
    setTimeout: function (fn) { state.timers.push(fn); return state.timers.length; },
    clearTimeout: function (id) { state.timers[id - 1] = null; },
    setInterval: function () { return 0; },
    clearInterval: function () {},
  };

  // The call's objects, each made the first time a script reads it.
  function request() {
    return state.request || (state.request = new P.Request(state.input.request));
  }

  function response() {
    if (state.response !== undefined || !state.input.response) return state.response;
    var made = new P.Response(state.input.response);
    // The cookie jar as this request saw it: what it sent, and what the response set.
    state.input.request.headers.filter(function (h) { return h[0].toLowerCase() === 'cookie'; }).forEach(function (h) {
      h[1].split(';').forEach(function (pair) {
        var eq = pair.indexOf('='), name = pair.slice(0, eq).trim();
        if (eq > 0 && !made.cookies.has(name)) made.cookies.add({ key: name, name: name, value: pair.slice(eq + 1).trim() });
      });
    });
    return (state.response = made);
  }

  function pairsObject(list) {
    var out = {};
    list.forEach(function (h) { out[h[0]] = h[1]; });
    return out;
  }

  // `pm`: its parts read the call's state when a script reads them.
  var PM = {
    test: test,
    expect: expect,
    sendRequest: sendRequest,
    require: require,
    visualizer: { set: function () {}, clear: function () {} },
    iterationData: new P.VariableScope('data', {}),
  };
  var lazy = {
    request: request,
    response: response,
    environment: function () { return state.environment; },
    collectionVariables: function () { return state.collection; },
    globals: function () { return state.globals; },
    variables: function () { return state.variables; },
    cookies: function () { return response() ? response().cookies : new P.PropertyList([]); },
    info: function () {
      var input = state.input;
      return { eventName: input.phase === 'before' ? 'prerequest' : 'test', iteration: 0, iterationCount: 1, requestName: input.step, requestId: input.step };
    },
    execution: function () { return { location: [state.input.collection], setNextRequest: function () {}, skipRequest: function () {} }; },
  };
  Object.keys(lazy).forEach(function (name) {
    Object.defineProperty(PM, name, { get: lazy[name], enumerable: true, configurable: true });
  });

  // What each name a script may use is, made only when its script uses it.
  var provide = {
    pm: function () { return Object.create(PM); },
    postman: function () { return legacy; },
    responseBody: function () { return response() ? response().text() : undefined; },
    responseCode: function () { var r = response(); return r ? { code: r.code, name: r.status, detail: r.status } : undefined; },
    responseHeaders: function () { return pairsObject(state.input.response ? state.input.response.headers : []); },
    responseTime: function () { return response() ? response().responseTime : undefined; },
    responseCookies: function () { return response() ? response().cookies.all() : []; },
    request: function () {
      var given = state.input.request;
      return { url: given.url, method: given.method, headers: pairsObject(given.headers), data: given.body === null ? {} : given.body, name: state.input.step };
    },
    environment: function () { return state.environment.values; },
    globals: function () { return state.globals.values; },
    data: function () { return {}; },
    iteration: function () { return 0; },
    _: function () { return __lodash; },
    CryptoJS: function () { return __crypto; },
    atob: function () { return __atob; },
    btoa: function () { return __btoa; },
    xml2Json: function () { return xml2Json; },
    tv4: function () { return __tv4; },
    console: function () { return consoleObject; },
    require: function () { return require; },
    setTimeout: function () { return timers.setTimeout; },
    clearTimeout: function () { return timers.clearTimeout; },
    setInterval: function () { return timers.setInterval; },
    clearInterval: function () { return timers.clearInterval; },
    setImmediate: function () { return timers.setTimeout; },
  };

  function begin(input) {
    if (initialGlobals === null) {
      initialGlobals = Object.create(null);
      Object.keys(globalThis).forEach(function (name) { initialGlobals[name] = true; });
    }
    input = JSON.parse(input);
    state = { input: input, scopes: input.scopes, tests: [], console: [], timers: [], request: null, response: undefined };
    state.environment = scope('environment');
    state.globals = scope('globals');
    state.collection = scope('collection');
    state.local = scope('local');
    state.variables = new P.Variables([state.local, state.environment, state.collection, state.globals]);
  }

  // Runs one script, a function of the sandbox `used` names; `undefined`, or what it threw.
  function invoke(script, used) {
    var tests = {};
    var values = [];
    for (var i = 0; i < used.length; i++) values.push(used[i] === 'tests' ? tests : provide[used[i]]());
    var threw;
    try {
      script.apply(undefined, values);
      for (var t = 0; t < state.timers.length; t++) if (typeof state.timers[t] === 'function') state.timers[t]();
      state.timers = [];
    } catch (error) {
      threw = error && error.message !== undefined ? (error.name ? error.name + ': ' : '') + error.message : String(error);
    }
    // As Newman does, the legacy tests set before a script threw are recorded too.
    Object.keys(tests).forEach(function (name) { record(name, !!tests[name]); });
    return threw;
  }

  function finish() {
    // A name a script set without declaring it lands on the global object: removed here.
    Object.keys(globalThis).forEach(function (name) { if (!initialGlobals[name]) delete globalThis[name]; });
    var answer = {
      request: state.request ? state.request.serialized() : null,
      scopes: state.scopes,
      tests: state.tests,
      console: state.console,
    };
    state = null;
    return JSON.stringify(answer);
  }

  return { names: names, begin: begin, invoke: invoke, finish: finish };
})();

// JSON Schema (draft 4's common keywords) for `tv4.validate` and `.to.have.jsonSchema`.
function __schema(data, schema, path) {
  path = path || '';
  var problems = [];
  if (!schema || typeof schema !== 'object') return problems;
  var kind = data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data;
  if (schema.type) {
    var types = [].concat(schema.type);
    var fits = types.some(function (t) { return t === kind || (t === 'integer' && kind === 'number' && data % 1 === 0); });
    if (!fits) return [path + ' should be ' + types.join(' or ')];
  }
  if (schema.enum && !schema.enum.some(function (v) { return __chai.deepEqual(v, data); })) problems.push(path + ' should be one of the allowed values');
  if (kind === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? data <= schema.minimum : data < schema.minimum)) problems.push(path + ' should be >= ' + schema.minimum);
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? data >= schema.maximum : data > schema.maximum)) problems.push(path + ' should be <= ' + schema.maximum);
  }
  if (kind === 'string') {
    if (schema.minLength !== undefined && data.length < schema.minLength) problems.push(path + ' should be at least ' + schema.minLength + ' characters');
    if (schema.maxLength !== undefined && data.length > schema.maxLength) problems.push(path + ' should be at most ' + schema.maxLength + ' characters');
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(data)) problems.push(path + ' should match ' + schema.pattern);
  }
  if (kind === 'array') {
    if (schema.minItems !== undefined && data.length < schema.minItems) problems.push(path + ' should have at least ' + schema.minItems + ' items');
    if (schema.maxItems !== undefined && data.length > schema.maxItems) problems.push(path + ' should have at most ' + schema.maxItems + ' items');
    if (schema.items && !Array.isArray(schema.items)) data.forEach(function (item, i) { problems = problems.concat(__schema(item, schema.items, path + '[' + i + ']')); });
  }
  if (kind === 'object') {
    (schema.required || []).forEach(function (name) { if (!(name in data)) problems.push(path + " should have required property '" + name + "'"); });
    var properties = schema.properties || {};
    Object.keys(properties).forEach(function (name) { if (name in data) problems = problems.concat(__schema(data[name], properties[name], path + '.' + name)); });
    if (schema.additionalProperties === false) Object.keys(data).forEach(function (name) { if (!(name in properties)) problems.push(path + " should not have property '" + name + "'"); });
  }
  return problems;
}

var __tv4 = {
  error: null,
  validate: function (data, schema) {
    var problems = __schema(data, schema);
    __tv4.error = problems.length ? { message: problems[0] } : null;
    return !problems.length;
  },
};
__tv4.validateResult = function (data, schema) { var valid = __tv4.validate(data, schema); return { valid: valid, error: __tv4.error }; };
