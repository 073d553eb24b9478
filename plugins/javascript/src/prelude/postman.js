// Postman's objects as scripts see them: header lists, the request (`pm.request`), the
// response (`pm.response`), variable scopes (`pm.environment`, ...), and chai's response and
// request assertions (`pm.response.to.have.status(200)`), after postman-collection's and
// postman-sandbox's documented behaviour.
var __postman = (function () {
  function PropertyList(members) { this.members = members || []; }
  function find(list, key) {
    var wanted = String(key).toLowerCase();
    for (var i = 0; i < list.members.length; i++) if (String(list.members[i].key).toLowerCase() === wanted) return list.members[i];
  }
  PropertyList.prototype.get = function (key) { var found = find(this, key); return found ? found.value : undefined; };
  PropertyList.prototype.one = function (key) { return find(this, key); };
  PropertyList.prototype.has = function (key, value) {
    var found = find(this, typeof key === 'object' ? key.key : key);
    return !!found && (arguments.length < 2 || found.value === value);
  };
  PropertyList.prototype.all = function () { return this.members.slice(); };
  PropertyList.prototype.toJSON = function () { return this.members.map(function (m) { return { key: m.key, value: m.value }; }); };
  PropertyList.prototype.count = function () { return this.members.length; };
  PropertyList.prototype.idx = function (index) { return this.members[index]; };
  PropertyList.prototype.each = function (fn) { this.members.forEach(fn); };
  PropertyList.prototype.filter = function (fn) { return this.members.filter(fn); };
  PropertyList.prototype.map = function (fn) { return this.members.map(fn); };
  PropertyList.prototype.find = function (fn) { return this.members.find(fn); };
  PropertyList.prototype.indexOf = function (item) { return this.members.indexOf(typeof item === 'string' ? find(this, item) : item); };
  PropertyList.prototype.toObject = function () {
    var out = {};
    this.members.forEach(function (m) { if (!m.disabled) out[m.key] = m.value; });
    return out;
  };
  PropertyList.prototype.toString = function () { return this.members.map(function (m) { return m.key + ': ' + m.value; }).join('\n'); };
  function parsed(item) {
    if (typeof item === 'string') { var at = item.indexOf(':'); return { key: item.slice(0, at).trim(), value: item.slice(at + 1).trim() }; }
    return { key: item.key, value: item.value === undefined ? '' : item.value, disabled: item.disabled };
  }
  PropertyList.prototype.add = function (item) { this.members.push(parsed(item)); };
  PropertyList.prototype.append = PropertyList.prototype.add;
  PropertyList.prototype.upsert = function (item) {
    item = parsed(item);
    var found = find(this, item.key);
    if (found) found.value = item.value; else this.members.push(item);
  };
  PropertyList.prototype.remove = function (predicate) {
    var test = typeof predicate === 'function' ? predicate : function (m) {
      return String(m.key).toLowerCase() === String(typeof predicate === 'object' ? predicate.key : predicate).toLowerCase();
    };
    this.members = this.members.filter(function (m) { return !test(m); });
  };
  PropertyList.prototype.clear = function () { this.members = []; };
  PropertyList.prototype.populate = function (items) { var self = this; (items || []).forEach(function (i) { self.add(i); }); };
  PropertyList.prototype.reference = undefined;

  function pairs(list) { return new PropertyList(list.map(function (p) { return { key: p[0], value: p[1] }; })); }

  // Compiled once: a literal is compiled again each time it is evaluated.
  var URL_PARTS = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i;
  var PORT = /:(\d+)$/;
  var LEADING_SLASH = /^\//;
  var FORM = /x-www-form-urlencoded/i;

  function Url(text) { this.update(text); }
  Url.prototype.update = function (text) {
    var match = URL_PARTS.exec(String(text));
    this.protocol = match[1];
    var authority = match[2], at = authority.lastIndexOf('@');
    if (at !== -1) { var credentials = authority.slice(0, at).split(':'); this.auth = { user: credentials[0], password: credentials[1] }; authority = authority.slice(at + 1); }
    var port = PORT.exec(authority);
    this.port = port ? port[1] : undefined;
    this.host = (port ? authority.slice(0, -port[0].length) : authority).split('.');
    this.path = match[3] ? match[3].replace(LEADING_SLASH, '').split('/') : [];
    this.query = new PropertyList(match[4] === undefined ? [] : match[4].split('&').filter(Boolean).map(function (part) {
      var eq = part.indexOf('=');
      return eq === -1 ? { key: part, value: null } : { key: part.slice(0, eq), value: part.slice(eq + 1) };
    }));
    this.hash = match[5];
  };
  Url.prototype.getHost = function () { return this.host.join('.'); };
  Url.prototype.getPath = function () { return '/' + this.path.join('/'); };
  Url.prototype.getQueryString = function () {
    return this.query.members.filter(function (q) { return !q.disabled; }).map(function (q) { return q.value === null ? q.key : q.key + '=' + q.value; }).join('&');
  };
  Url.prototype.getPathWithQuery = function () { var q = this.getQueryString(); return this.getPath() + (q ? '?' + q : ''); };
  Url.prototype.getRemote = function () { return this.getHost() + (this.port ? ':' + this.port : ''); };
  Url.prototype.toString = function () {
    var query = this.getQueryString();
    return (this.protocol ? this.protocol + '://' : '') + (this.auth ? this.auth.user + (this.auth.password !== undefined ? ':' + this.auth.password : '') + '@' : '')
      + this.getRemote() + (this.path.length ? '/' + this.path.join('/') : '') + (query ? '?' + query : '') + (this.hash ? '#' + this.hash : '');
  };
  Url.prototype.toJSON = function () { return this.toString(); };

  function Body(text, contentType) {
    this.mode = 'raw';
    this.raw = text === null || text === undefined ? '' : text;
    if (FORM.test(contentType || '')) {
      this.mode = 'urlencoded';
      this.urlencoded = new PropertyList(this.raw.split('&').filter(Boolean).map(function (part) {
        var eq = part.indexOf('='), decode = function (t) { return decodeURIComponent(t.replace(/\+/g, ' ')); };
        return { key: decode(eq === -1 ? part : part.slice(0, eq)), value: eq === -1 ? '' : decode(part.slice(eq + 1)) };
      }));
    }
  }
  Body.prototype.toString = function () { return this.raw; };
  Body.prototype.isEmpty = function () { return !this.raw; };
  Body.prototype.update = function (body) {
    if (typeof body === 'string') { this.mode = 'raw'; this.raw = body; return; }
    this.mode = body.mode || 'raw';
    this.raw = body.raw !== undefined ? body.raw : this.raw;
  };

  function Request(given) {
    this.method = given.method;
    this.url = new Url(given.url);
    this.headers = pairs(given.headers);
    this.body = given.body === null || given.body === undefined ? undefined : new Body(given.body, this.headers.get('content-type'));
  }
  Request.prototype.addHeader = function (item) { this.headers.add(item); };
  Request.prototype.removeHeader = function (key) { this.headers.remove(key); };
  Request.prototype.upsertHeader = function (item) { this.headers.upsert(item); };
  Request.prototype.toJSON = function () {
    return { method: this.method, url: this.url.toString(), header: this.headers.toJSON(), body: this.body && { mode: this.body.mode, raw: this.body.raw } };
  };
  Request.prototype.serialized = function () {
    var body = this.body === undefined ? null : this.body.raw;
    return { method: String(this.method).toUpperCase(), url: this.url.toString(), headers: this.headers.members.filter(function (h) { return !h.disabled; }).map(function (h) { return [h.key, String(h.value)]; }), body: body };
  };
  Object.defineProperty(Request.prototype, 'to', { get: function () { return __chai.expect(this).to; } });

  function cookies(headers) {
    return new PropertyList(headers.filter(function (h) { return String(h[0]).toLowerCase() === 'set-cookie'; }).map(function (h) {
      var parts = String(h[1]).split(';'), first = parts[0], eq = first.indexOf('=');
      var cookie = { key: first.slice(0, eq).trim(), name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() };
      parts.slice(1).forEach(function (attribute) {
        var at = attribute.indexOf('='), name = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
        var value = at === -1 ? true : attribute.slice(at + 1).trim();
        if (name === 'httponly') cookie.httpOnly = true; else if (name === 'secure') cookie.secure = true;
        else if (name === 'path' || name === 'domain' || name === 'expires') cookie[name] = value;
      });
      return cookie;
    }));
  }

  function Response(given) {
    this.code = given.status;
    this.status = given.reason;
    this.headers = pairs(given.headers);
    this.responseTime = given.time;
    this.responseSize = given.body.length;
    this.cookies = cookies(given.headers);
    this.__body = given.body;
  }
  Response.prototype.text = function () { return this.__body; };
  Response.prototype.json = function () {
    var text = this.__body.replace(/^\uFEFF/, '');
    try { return JSON.parse(text); } catch (error) { throw new SyntaxError('JSONError: ' + error.message); }
  };
  Response.prototype.reason = function () { return this.status; };
  Response.prototype.size = function () { return { body: this.responseSize, header: 0, total: this.responseSize }; };
  Response.prototype.toJSON = function () { return { code: this.code, status: this.status, header: this.headers.toJSON(), responseTime: this.responseTime }; };
  Object.defineProperty(Response.prototype, 'to', { get: function () { return __chai.expect(this).to; } });

  function VariableScope(name, values) { this.name = name; this.values = values; }
  VariableScope.prototype.get = function (key) { return Object.prototype.hasOwnProperty.call(this.values, key) ? this.values[key] : undefined; };
  VariableScope.prototype.has = function (key) { return Object.prototype.hasOwnProperty.call(this.values, key); };
  VariableScope.prototype.set = function (key, value) { this.values[key] = value; };
  VariableScope.prototype.unset = function (key) { delete this.values[key]; };
  VariableScope.prototype.clear = function () { var values = this.values; Object.keys(values).forEach(function (k) { delete values[k]; }); };
  VariableScope.prototype.toObject = function () { return Object.assign({}, this.values); };
  VariableScope.prototype.toJSON = function () { var v = this.values; return { values: Object.keys(v).map(function (k) { return { key: k, value: v[k] }; }) }; };

  // `pm.variables`: the nearest scope that has a name, local first.
  function Variables(scopes) { this.scopes = scopes; }
  Variables.prototype.get = function (key) {
    for (var i = 0; i < this.scopes.length; i++) if (this.scopes[i].has(key)) return this.scopes[i].get(key);
  };
  Variables.prototype.has = function (key) { return this.scopes.some(function (s) { return s.has(key); }); };
  Variables.prototype.set = function (key, value) { this.scopes[0].set(key, value); };
  Variables.prototype.unset = function (key) { this.scopes[0].unset(key); };
  Variables.prototype.clear = function () { this.scopes[0].clear(); };
  Variables.prototype.toObject = function () {
    var out = {};
    this.scopes.slice().reverse().forEach(function (s) { Object.assign(out, s.values); });
    return out;
  };
  Variables.prototype.replaceIn = function (template) {
    var self = this;
    return String(template).replace(/\{\{([^{}]+)\}\}/g, function (whole, name) {
      return self.has(name) ? String(self.get(name)) : whole;
    });
  };
  [VariableScope, Variables].forEach(function (kind) {
    if (!kind.prototype.replaceIn) kind.prototype.replaceIn = function (template) { return new Variables([this]).replaceIn(template); };
  });

  return { PropertyList: PropertyList, Url: Url, Request: Request, Response: Response, VariableScope: VariableScope, Variables: Variables };
})();

// chai-postman: what `pm.response.to` and `pm.request.to` assert.
(function (chai, util) {
  var P = __postman, flag = util.flag;
  function isResponse(object) { return object instanceof P.Response; }
  function isMessage(object) { return object instanceof P.Response || object instanceof P.Request; }
  function code(assertion) { return flag(assertion, 'object').code; }
  function statusClass(name, low, high) {
    util.addProperty(name, function () {
      var c = code(this);
      this.assert(c >= low && c <= high, "expected response code to be " + low / 100 + "XX but found " + c,
        "expected response code to not be " + low / 100 + "XX but found " + c);
    });
  }
  var ok = Object.getOwnPropertyDescriptor(chai.Assertion.prototype, 'ok').get;
  Object.defineProperty(chai.Assertion.prototype, 'ok', {
    get: function () {
      if (!isResponse(flag(this, 'object'))) return ok.call(this);
      this.assert(code(this) === 200, 'expected response to have status code 200 but got #{act}', 'expected response to not have status code 200', 200, code(this));
      return this;
    },
    configurable: true,
  });
  statusClass('info', 100, 199);
  statusClass('success', 200, 299);
  statusClass('redirection', 300, 399);
  statusClass('clientError', 400, 499);
  statusClass('serverError', 500, 599);
  util.addProperty('error', function () {
    var c = code(this);
    this.assert(c >= 400 && c <= 599, 'expected response code to be 4XX or 5XX but found ' + c, 'expected response code to not be 4XX or 5XX but found ' + c);
  });
  [['accepted', 202], ['badRequest', 400], ['unauthorized', 401], ['unauthorised', 401], ['forbidden', 403],
    ['notFound', 404], ['notAcceptable', 406], ['rateLimited', 429]].forEach(function (status) {
    util.addProperty(status[0], function () {
      this.assert(code(this) === status[1], 'expected response to have status code ' + status[1] + ' but got #{act}',
        'expected response to not have status code ' + status[1], status[1], code(this));
    });
  });
  util.addMethod('status', function (wanted) {
    var object = flag(this, 'object');
    if (typeof wanted === 'string') {
      this.assert(object.status === wanted, "expected response to have status reason '" + wanted + "' but got '" + object.status + "'",
        "expected response to not have status reason '" + wanted + "'");
    } else {
      this.assert(object.code === wanted, 'expected response to have status code #{exp} but got #{act}',
        'expected response to not have status code #{act}', wanted, object.code);
    }
  });
  util.addMethod('statusCode', function (wanted) {
    this.assert(code(this) === wanted, 'expected response to have status code #{exp} but got #{act}',
      'expected response to not have status code #{act}', wanted, code(this));
  });
  util.addMethod('statusReason', function (wanted) {
    var reason = flag(this, 'object').status;
    this.assert(reason === wanted, "expected response to have status reason '" + wanted + "' but got '" + reason + "'",
      "expected response to not have status reason '" + wanted + "'");
  });
  util.addProperty('postmanRequest', function () {
    this.assert(flag(this, 'object') instanceof P.Request, 'expecting a postman request object but got #{this}', 'not expecting a postman request object');
  });
  util.addProperty('postmanResponse', function () {
    this.assert(isResponse(flag(this, 'object')), 'expecting a postman response object but got #{this}', 'not expecting a postman response object');
  });
  util.addProperty('postmanRequestOrResponse', function () {
    this.assert(isMessage(flag(this, 'object')), 'expecting a postman request or response object but got #{this}', 'not expecting a postman request or response object');
  });
  util.addMethod('statusCodeClass', function (c) {
    var found = Math.floor(code(this) / 100);
    this.assert(found === c, 'expected response code to be ' + c + 'XX but found ' + code(this), 'expected response code to not be ' + c + 'XX');
  });
  util.addMethod('header', function (name, value) {
    var headers = flag(this, 'object').headers;
    var present = headers.has(name);
    if (arguments.length < 2) {
      this.assert(present, "expected response to have header with key '" + name + "'", "expected response to not have header with key '" + name + "'");
    } else {
      this.assert(present && headers.get(name) === value, "expected '" + name + "' response header to be '" + value + "' but got '" + headers.get(name) + "'",
        "expected '" + name + "' response header to not be '" + value + "'");
    }
  });
  function text(object) { return isResponse(object) ? object.text() : object.body ? object.body.raw : ''; }
  util.addProperty('withBody', function () {
    this.assert(text(flag(this, 'object')).length > 0, 'expected response to have content in body', 'expected response to not have content in body');
  });
  util.addMethod('body', function (wanted) {
    var body = text(flag(this, 'object'));
    if (arguments.length === 0) {
      this.assert(body.length > 0, 'expected response to have content in body', 'expected response to not have content in body');
    } else if (wanted instanceof RegExp) {
      this.assert(wanted.test(body), 'expected response body text to match ' + wanted, 'expected response body text to not match ' + wanted);
    } else if (typeof wanted === 'string') {
      this.assert(body === wanted, 'expected response body to equal #{exp} but got #{act}', 'expected response body to not equal #{exp}', wanted, body);
    } else {
      var json; try { json = JSON.parse(body); } catch (e) { json = undefined; }
      this.assert(chai.deepEqual(json, wanted), 'expected response body json to equal #{exp} but got #{act}', 'expected response body json to not equal #{exp}', wanted, json);
    }
  });
  function parses(object) { try { JSON.parse(text(object)); return true; } catch (e) { return false; } }
  function contentType(object) { return String(object.headers.get('content-type') || ''); }
  util.addProperty('json', function () {
    var object = flag(this, 'object');
    this.assert(isMessage(object) && /json/i.test(contentType(object)) && parses(object), 'expected response to be json', 'expected response to not be json');
  });
  util.addProperty('html', function () {
    this.assert(/html/i.test(contentType(flag(this, 'object'))), 'expected response to be html', 'expected response to not be html');
  });
  util.addProperty('xml', function () {
    this.assert(/xml/i.test(contentType(flag(this, 'object'))), 'expected response to be xml', 'expected response to not be xml');
  });
  util.addMethod('jsonBody', function (path, value) {
    var json; try { json = JSON.parse(text(flag(this, 'object'))); } catch (e) { json = undefined; }
    if (arguments.length === 0) {
      this.assert(json !== undefined, 'expected response body to be a valid json', 'expected response body not to be a valid json');
    } else if (typeof path === 'string' && arguments.length === 1) {
      this.assert(__lodash.has(json, path), "expected #{act} to have property '" + path + "'", "expected #{act} to not have property '" + path + "'", undefined, json);
    } else if (typeof path === 'string') {
      this.assert(chai.deepEqual(__lodash.get(json, path), value), "expected response body json at '" + path + "' to contain #{exp}",
        "expected response body json at '" + path + "' to not contain #{exp}", value);
    } else {
      this.assert(chai.deepEqual(json, path), 'expected response body json to equal #{exp} but got #{act}', 'expected response body json to not equal #{exp}', path, json);
    }
  });
  util.addMethod('cookie', function (name, value) {
    var jar = flag(this, 'object').cookies;
    var present = !!jar && jar.has(name);
    this.assert(present && (arguments.length < 2 || jar.get(name) === value), "expected response to have cookie '" + name + "'",
      "expected response to not have cookie '" + name + "'");
  });
  util.addMethod('jsonSchema', function (schema) {
    var object = flag(this, 'object'), json = object;
    if (isMessage(object)) { try { json = JSON.parse(text(object)); } catch (e) { json = undefined; } }
    var problems = __schema(json, schema, 'data');
    this.assert(!problems.length, 'expected data to satisfy schema but found following errors: \n' + problems.join(', '), 'expected data to not satisfy schema');
  });
})(__chai, __chai.util);
