// chai's BDD `expect` (and `should`), written for the sandbox after chai 4's documented
// semantics: strict equality unless `deep`, `not` negating, `include` / `keys` / `members` /
// `property` with their flags, and the object under test changing where chai's does
// (`property`, `ownProperty`). Postman's response and request assertions are in postman.js.
var __chai = (function () {
  function AssertionError(message) {
    this.name = 'AssertionError';
    this.message = message;
  }
  AssertionError.prototype = Object.create(Error.prototype);
  AssertionError.prototype.constructor = AssertionError;
  AssertionError.prototype.toString = function () { return this.name + ': ' + this.message; };

  function type(value) {
    if (value === null) return 'null';
    var kind = typeof value;
    if (kind !== 'object') return kind;
    return Object.prototype.toString.call(value).slice(8, -1).toLowerCase();
  }

  function inspect(value, depth) {
    depth = depth || 0;
    switch (type(value)) {
      case 'string': return depth ? "'" + value + "'" : "'" + value + "'";
      case 'function': return '[Function' + (value.name ? ': ' + value.name : '') + ']';
      case 'array':
        if (depth > 2) return '[Array]';
        return value.length ? '[ ' + value.map(function (v) { return inspect(v, depth + 1); }).join(', ') + ' ]' : '[]';
      case 'object': {
        if (depth > 2) return '{ Object }';
        var keys = Object.keys(value);
        if (!keys.length) return '{}';
        return '{ ' + keys.map(function (k) { return k + ': ' + inspect(value[k], depth + 1); }).join(', ') + ' }';
      }
      case 'regexp': return String(value);
      case 'date': return isNaN(value) ? 'Invalid Date' : value.toISOString();
      case 'error': return '[' + String(value) + ']';
      case 'number': return value === 0 && 1 / value < 0 ? '-0' : String(value);
      default: return String(value);
    }
  }

  function deepEqual(a, b, seen) {
    if (a === b) return a !== 0 || 1 / a === 1 / b;
    if (a !== a && b !== b) return true;
    var kind = type(a);
    if (kind !== type(b) || a === null || b === null || typeof a !== 'object') return false;
    seen = seen || [];
    for (var i = 0; i < seen.length; i++) if (seen[i][0] === a && seen[i][1] === b) return true;
    seen.push([a, b]);
    switch (kind) {
      case 'string': case 'number': case 'boolean': return deepEqual(a.valueOf(), b.valueOf());
      case 'date': return deepEqual(a.valueOf(), b.valueOf());
      case 'regexp': return String(a) === String(b);
      case 'error': case 'promise': case 'weakmap': case 'weakset': return false;
      case 'map': case 'set': {
        if (a.size !== b.size) return false;
        var left = [], right = [];
        a.forEach(function (v, k) { left.push([k, v]); });
        b.forEach(function (v, k) { right.push([k, v]); });
        return left.every(function (pair) {
          return right.some(function (other) { return deepEqual(pair, other, seen); });
        });
      }
      case 'array': case 'arguments': case 'uint8array': case 'int8array': case 'uint16array':
      case 'int16array': case 'uint32array': case 'int32array': case 'float32array': case 'float64array': {
        if (a.length !== b.length) return false;
        for (var n = 0; n < a.length; n++) if (!deepEqual(a[n], b[n], seen)) return false;
        return true;
      }
      default: {
        var keysA = enumerable(a), keysB = enumerable(b);
        if (keysA.length !== keysB.length) return false;
        keysA.sort(); keysB.sort();
        for (var k = 0; k < keysA.length; k++) if (keysA[k] !== keysB[k]) return false;
        return keysA.every(function (key) { return deepEqual(a[key], b[key], seen); });
      }
    }
  }

  function enumerable(object) {
    var keys = [];
    for (var key in object) keys.push(key);
    return keys.concat(Object.getOwnPropertySymbols(object).filter(function (s) {
      return Object.getOwnPropertyDescriptor(object, s).enumerable;
    }));
  }

  function Assertion(object, message) {
    this.__flags = { object: object, message: message };
  }

  function flag(assertion, name, value) {
    if (arguments.length === 3) assertion.__flags[name] = value;
    else return assertion.__flags[name];
  }

  Assertion.prototype.assert = function (passes, message, negated, expected, actual) {
    var ok = flag(this, 'negate') ? !passes : !!passes;
    if (ok) return;
    var object = flag(this, 'object'), shown = arguments.length > 4 ? actual : object;
    var text = (flag(this, 'negate') ? negated : message)
      .replace(/#\{this\}/g, function () { return inspect(object); })
      .replace(/#\{exp\}/g, function () { return inspect(expected); })
      .replace(/#\{act\}/g, function () { return inspect(shown); });
    var prefix = flag(this, 'message');
    throw new AssertionError(prefix ? prefix + ': ' + text : text);
  };

  Object.defineProperty(Assertion.prototype, '_obj', {
    get: function () { return flag(this, 'object'); },
    set: function (value) { flag(this, 'object', value); },
  });

  function addProperty(name, getter) {
    Object.defineProperty(Assertion.prototype, name, {
      get: function () { var result = getter.call(this); return result === undefined ? this : result; },
      configurable: true,
    });
  }

  function addMethod(name, method) {
    Assertion.prototype[name] = function () {
      var result = method.apply(this, arguments);
      return result === undefined ? this : result;
    };
  }

  // A chainable method is both: `.include(x)` and `.include.members([...])`.
  function addChainable(name, method, chaining) {
    Object.defineProperty(Assertion.prototype, name, {
      get: function () {
        var self = this;
        if (chaining) chaining.call(self);
        var chained = function () {
          var result = method.apply(self, arguments);
          return result === undefined ? self : result;
        };
        delete chained.length;
        delete chained.name;
        Object.setPrototypeOf(chained, self);
        return chained;
      },
      configurable: true,
    });
  }

  function overwrite(name, replacement) {
    var original = Object.getOwnPropertyDescriptor(Assertion.prototype, name);
    if (original.get) {
      var getter = original.get;
      Object.defineProperty(Assertion.prototype, name, {
        get: function () { return replacement.call(this, getter); },
        configurable: true,
      });
    } else {
      var method = original.value;
      Assertion.prototype[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        return replacement.call(this, method, args);
      };
    }
  }

  ['to', 'be', 'been', 'is', 'and', 'has', 'have', 'with', 'that', 'which', 'at', 'of', 'same', 'but', 'does',
    'still', 'also'].forEach(function (chain) { addProperty(chain, function () { return this; }); });

  addProperty('not', function () { flag(this, 'negate', true); });
  addProperty('deep', function () { flag(this, 'deep', true); });
  addProperty('nested', function () { flag(this, 'nested', true); });
  addProperty('own', function () { flag(this, 'own', true); });
  addProperty('ordered', function () { flag(this, 'ordered', true); });
  addProperty('any', function () { flag(this, 'any', true); flag(this, 'all', false); });
  addProperty('all', function () { flag(this, 'all', true); flag(this, 'any', false); });
  addProperty('itself', function () { flag(this, 'itself', true); });

  function an(kind, message) {
    if (message) flag(this, 'message', message);
    kind = String(kind).toLowerCase();
    var article = /^[aeiou]/.test(kind) ? 'an ' : 'a ';
    this.assert(kind === type(flag(this, 'object')), 'expected #{this} to be ' + article + kind,
      'expected #{this} not to be ' + article + kind);
  }
  addChainable('an', an);
  addChainable('a', an);

  function sizeOf(object) {
    var kind = type(object);
    return kind === 'map' || kind === 'set' ? object.size : object.length;
  }

  function include(expected, message) {
    if (message) flag(this, 'message', message);
    var object = flag(this, 'object'), deep = flag(this, 'deep'), kind = type(object);
    var what = (deep ? 'deep ' : '') + 'include';
    var found;
    switch (kind) {
      case 'string': found = object.indexOf(expected) !== -1; break;
      case 'array': found = deep ? object.some(function (item) { return deepEqual(item, expected); })
        : object.indexOf(expected) !== -1; break;
      case 'set': case 'map': {
        found = false;
        object.forEach(function (item) { found = found || (deep ? deepEqual(item, expected) : item === expected); });
        break;
      }
      default: {
        if (kind !== 'object' || expected === null || typeof expected !== 'object') {
          throw new TypeError('object tested must be an array, a map, an object, a set, a string, or a weakset, but '
            + kind + ' given');
        }
        var names = Object.keys(expected), failures = 0, first = null, self = this;
        names.forEach(function (name) {
          var property = new Assertion(object);
          property.__flags = Object.assign({}, self.__flags, { object: object });
          if (!flag(self, 'negate') || names.length === 1) { property.property(name, expected[name]); return; }
          try { property.property(name, expected[name]); } catch (error) {
            if (!(error instanceof AssertionError)) throw error;
            first = first || error; failures++;
          }
        });
        if (flag(this, 'negate') && names.length > 1 && failures === names.length) throw first;
        return;
      }
    }
    this.assert(found, 'expected #{this} to ' + what + ' #{exp}', 'expected #{this} to not ' + what + ' #{exp}',
      expected);
  }
  function containing() { flag(this, 'contains', true); }
  ['include', 'includes', 'contain', 'contains'].forEach(function (name) { addChainable(name, include, containing); });

  addProperty('ok', function () { this.assert(flag(this, 'object'), 'expected #{this} to be truthy', 'expected #{this} to be falsy'); });
  addProperty('true', function () { this.assert(flag(this, 'object') === true, 'expected #{this} to be true', 'expected #{this} to be false'); });
  addProperty('false', function () { this.assert(flag(this, 'object') === false, 'expected #{this} to be false', 'expected #{this} to be true'); });
  addProperty('null', function () { this.assert(flag(this, 'object') === null, 'expected #{this} to be null', 'expected #{this} not to be null'); });
  addProperty('undefined', function () { this.assert(flag(this, 'object') === undefined, 'expected #{this} to be undefined', 'expected #{this} not to be undefined'); });
  addProperty('NaN', function () { var o = flag(this, 'object'); this.assert(typeof o === 'number' && o !== o, 'expected #{this} to be NaN', 'expected #{this} not to be NaN'); });
  addProperty('finite', function () { var o = flag(this, 'object'); this.assert(typeof o === 'number' && isFinite(o), 'expected #{this} to be a finite number', 'expected #{this} to not be a finite number'); });
  function exist() { var o = flag(this, 'object'); this.assert(o !== null && o !== undefined, 'expected #{this} to exist', 'expected #{this} to not exist'); }
  addProperty('exist', exist);
  addProperty('exists', exist);
  addProperty('empty', function () {
    var object = flag(this, 'object'), kind = type(object), size;
    if (kind === 'string' || kind === 'array') size = object.length;
    else if (kind === 'map' || kind === 'set') size = object.size;
    else if (object !== null && typeof object === 'object') size = Object.keys(object).length;
    else throw new TypeError('.empty was passed non-string primitive ' + inspect(object));
    this.assert(size === 0, 'expected #{this} to be empty', 'expected #{this} not to be empty');
  });
  function isArguments() { this.assert(type(flag(this, 'object')) === 'arguments', 'expected #{this} to be arguments', 'expected #{this} to not be arguments'); }
  addProperty('arguments', isArguments);
  addProperty('Arguments', isArguments);
  addProperty('extensible', function () { this.assert(Object.isExtensible(flag(this, 'object')), 'expected #{this} to be extensible', 'expected #{this} to not be extensible'); });
  addProperty('sealed', function () { this.assert(Object.isSealed(flag(this, 'object')), 'expected #{this} to be sealed', 'expected #{this} to not be sealed'); });
  addProperty('frozen', function () { this.assert(Object.isFrozen(flag(this, 'object')), 'expected #{this} to be frozen', 'expected #{this} to not be frozen'); });

  function equal(expected, message) {
    if (message) flag(this, 'message', message);
    if (flag(this, 'deep')) return eql.call(this, expected);
    this.assert(expected === flag(this, 'object'), 'expected #{this} to equal #{exp}', 'expected #{this} to not equal #{exp}', expected);
  }
  ['equal', 'equals', 'eq'].forEach(function (name) { addMethod(name, equal); });
  function eql(expected, message) {
    if (message) flag(this, 'message', message);
    this.assert(deepEqual(expected, flag(this, 'object')), 'expected #{this} to deeply equal #{exp}', 'expected #{this} to not deeply equal #{exp}', expected);
  }
  addMethod('eql', eql);
  addMethod('eqls', eql);

  function comparable(assertion, n, word) {
    var object = flag(assertion, 'object');
    if (flag(assertion, 'doLength')) return sizeOf(object);
    var kind = type(object);
    if (kind !== 'number' && kind !== 'date') throw new AssertionError('expected ' + inspect(object) + ' to be a number or a date');
    if (type(n) !== 'number' && type(n) !== 'date') throw new AssertionError('the argument to ' + word + ' must be a number');
    return object;
  }
  function compare(word, test) {
    return function (n, message) {
      if (message) flag(this, 'message', message);
      var value = comparable(this, n, word), length = flag(this, 'doLength') ? ' have a length' : ' be';
      this.assert(test(value, n), 'expected #{this} to' + length + ' ' + word + ' #{exp}',
        'expected #{this} to not' + length + ' ' + word + ' #{exp}', n);
    };
  }
  var above = compare('above', function (a, b) { return a > b; });
  var least = compare('at least', function (a, b) { return a >= b; });
  var below = compare('below', function (a, b) { return a < b; });
  var most = compare('at most', function (a, b) { return a <= b; });
  ['above', 'gt', 'greaterThan'].forEach(function (name) { addMethod(name, above); });
  ['least', 'gte', 'greaterThanOrEqual'].forEach(function (name) { addMethod(name, least); });
  ['below', 'lt', 'lessThan'].forEach(function (name) { addMethod(name, below); });
  ['most', 'lte', 'lessThanOrEqual'].forEach(function (name) { addMethod(name, most); });
  addMethod('within', function (start, finish, message) {
    if (message) flag(this, 'message', message);
    var value = comparable(this, start, 'within');
    this.assert(value >= start && value <= finish, 'expected #{this} to be within ' + start + '..' + finish,
      'expected #{this} to not be within ' + start + '..' + finish);
  });

  function instanceOf(constructor, message) {
    if (message) flag(this, 'message', message);
    this.assert(flag(this, 'object') instanceof constructor, 'expected #{this} to be an instance of ' + (constructor && constructor.name),
      'expected #{this} to not be an instance of ' + (constructor && constructor.name));
  }
  addMethod('instanceof', instanceOf);
  addMethod('instanceOf', instanceOf);

  function pathValue(object, path) {
    var parts = String(path).replace(/\[(\d+)\]/g, '.$1').split('.');
    var exists = true;
    for (var i = 0; i < parts.length; i++) {
      if (object === null || object === undefined || !(parts[i] in Object(object))) { exists = false; object = undefined; break; }
      object = object[parts[i]];
    }
    return { exists: exists, value: object };
  }

  function property(name, value, message) {
    if (message) flag(this, 'message', message);
    var object = flag(this, 'object'), nested = flag(this, 'nested'), own = flag(this, 'own');
    var found;
    if (nested) found = pathValue(object, name);
    else if (own) found = { exists: object !== null && object !== undefined && Object.prototype.hasOwnProperty.call(object, name), value: object == null ? undefined : object[name] };
    else found = { exists: object !== null && object !== undefined && name in Object(object), value: object == null ? undefined : object[name] };
    var words = (flag(this, 'deep') ? 'deep ' : '') + (own ? 'own ' : '') + (nested ? 'nested ' : '') + 'property ';
    if (arguments.length > 1) {
      var same = flag(this, 'deep') ? deepEqual(value, found.value) : value === found.value;
      this.assert(found.exists && same, 'expected #{this} to have ' + words + inspect(name) + ' of #{exp}, but got #{act}',
        'expected #{this} to not have ' + words + inspect(name) + ' of #{act}', value, found.value);
    } else {
      this.assert(found.exists, 'expected #{this} to have ' + words + inspect(name), 'expected #{this} to not have ' + words + inspect(name));
    }
    flag(this, 'object', found.value);
  }
  addMethod('property', property);
  addMethod('ownProperty', function () { flag(this, 'own', true); return property.apply(this, arguments); });
  addMethod('haveOwnProperty', function () { flag(this, 'own', true); return property.apply(this, arguments); });

  function lengthOf(n, message) {
    if (message) flag(this, 'message', message);
    var size = sizeOf(flag(this, 'object'));
    this.assert(size == n, 'expected #{this} to have a length of #{exp} but got ' + size, 'expected #{this} to not have a length of ' + size, n);
  }
  function doLength() { flag(this, 'doLength', true); }
  addChainable('length', lengthOf, doLength);
  addChainable('lengthOf', lengthOf, doLength);

  function match(pattern, message) {
    if (message) flag(this, 'message', message);
    this.assert(pattern.exec(flag(this, 'object')), 'expected #{this} to match ' + pattern, 'expected #{this} not to match ' + pattern);
  }
  addMethod('match', match);
  addMethod('matches', match);
  addMethod('string', function (text, message) {
    if (message) flag(this, 'message', message);
    this.assert(String(flag(this, 'object')).indexOf(text) !== -1, 'expected #{this} to contain #{exp}', 'expected #{this} to not contain #{exp}', text);
  });

  function keys(given) {
    var object = flag(this, 'object'), kind = type(object), actual;
    if (kind === 'map' || kind === 'set') { actual = []; object.forEach(function (v, k) { actual.push(k); }); }
    else actual = Object.keys(object);
    var wanted = Array.isArray(given) ? given : (given && typeof given === 'object' ? Object.keys(given) : Array.prototype.slice.call(arguments));
    if (!wanted.length) throw new Error('keys required');
    var any = flag(this, 'any'), all = flag(this, 'all') || !any;
    var has = function (key) { return actual.some(function (k) { return flag(this, 'deep') ? deepEqual(k, key) : k === key; }, this); }.bind(this);
    var ok = any ? wanted.some(has) : wanted.every(has) && (flag(this, 'contains') || wanted.length === actual.length);
    var words = (any ? 'any of ' : all && flag(this, 'contains') ? 'all of ' : '') + 'keys ' + wanted.map(function (k) { return inspect(k); }).join(', ');
    this.assert(ok, 'expected #{this} to ' + (flag(this, 'contains') ? 'contain ' : 'have ') + words,
      'expected #{this} to not ' + (flag(this, 'contains') ? 'contain ' : 'have ') + words, wanted.slice().sort(), actual.sort());
  }
  addMethod('keys', keys);
  addMethod('key', keys);

  function throws(expected, text, message) {
    if (message) flag(this, 'message', message);
    var thrown, threw = false;
    try { flag(this, 'object')(); } catch (error) { threw = true; thrown = error; }
    if (typeof expected === 'string' || expected instanceof RegExp) { text = expected; expected = undefined; }
    var ok = threw;
    if (threw && typeof expected === 'function') ok = thrown instanceof expected;
    else if (threw && expected instanceof Error) ok = thrown === expected;
    if (ok && threw && text !== undefined) {
      var said = thrown && thrown.message !== undefined ? String(thrown.message) : String(thrown);
      ok = text instanceof RegExp ? text.test(said) : said.indexOf(text) !== -1;
    }
    this.assert(ok, 'expected #{this} to throw' + (text !== undefined ? ' ' + inspect(text) : ''), 'expected #{this} to not throw');
    flag(this, 'object', thrown);
  }
  ['throw', 'throws', 'Throw'].forEach(function (name) { addMethod(name, throws); });

  function respondTo(name, message) {
    if (message) flag(this, 'message', message);
    var object = flag(this, 'object');
    var target = typeof object === 'function' && !flag(this, 'itself') ? object.prototype[name] : object[name];
    this.assert(typeof target === 'function', 'expected #{this} to respond to ' + inspect(name), 'expected #{this} to not respond to ' + inspect(name));
  }
  addMethod('respondTo', respondTo);
  addMethod('respondsTo', respondTo);
  function satisfy(test, message) {
    if (message) flag(this, 'message', message);
    this.assert(test(flag(this, 'object')), 'expected #{this} to satisfy ' + inspect(test), 'expected #{this} to not satisfy ' + inspect(test));
  }
  addMethod('satisfy', satisfy);
  addMethod('satisfies', satisfy);
  function closeTo(expected, delta, message) {
    if (message) flag(this, 'message', message);
    this.assert(Math.abs(flag(this, 'object') - expected) <= delta, 'expected #{this} to be close to ' + expected + ' +/- ' + delta,
      'expected #{this} not to be close to ' + expected + ' +/- ' + delta);
  }
  addMethod('closeTo', closeTo);
  addMethod('approximately', closeTo);

  function isSubsetOf(subset, superset, compare, contains, ordered) {
    if (!contains) {
      if (subset.length !== superset.length) return false;
      superset = superset.slice();
    }
    return subset.every(function (item, index) {
      if (ordered) return compare ? compare(item, superset[index]) : item === superset[index];
      if (!compare) {
        var at = superset.indexOf(item);
        if (at === -1) return false;
        if (!contains) superset.splice(at, 1);
        return true;
      }
      return superset.some(function (other, at) {
        if (!compare(item, other)) return false;
        if (!contains) superset.splice(at, 1);
        return true;
      });
    });
  }
  addMethod('members', function (subset, message) {
    if (message) flag(this, 'message', message);
    var object = flag(this, 'object');
    if (!Array.isArray(object) || !Array.isArray(subset)) throw new AssertionError('expected ' + inspect(object) + ' and ' + inspect(subset) + ' to be arrays');
    var contains = flag(this, 'contains'), ordered = flag(this, 'ordered');
    var words = (contains ? 'a superset of ' : 'the same ') + (ordered ? 'ordered ' : '') + (flag(this, 'deep') ? 'deep ' : '') + 'members';
    this.assert(isSubsetOf(subset, object, flag(this, 'deep') ? deepEqual : undefined, contains, ordered),
      'expected #{this} to have ' + words + ' as #{exp}', 'expected #{this} to not have ' + words + ' as #{exp}', subset);
  });
  addMethod('oneOf', function (list, message) {
    if (message) flag(this, 'message', message);
    var object = flag(this, 'object'), found;
    if (flag(this, 'contains')) found = list.some(function (item) { return object.indexOf(item) > -1; });
    else if (flag(this, 'deep')) found = list.some(function (item) { return deepEqual(object, item); });
    else found = list.indexOf(object) > -1;
    this.assert(found, 'expected #{this} to be one of #{exp}', 'expected #{this} to not be one of #{exp}', list);
  });
  addMethod('fail', function (message) { throw new AssertionError(message || 'expect.fail()'); });

  function expect(value, message) { return new Assertion(value, message); }
  expect.fail = function (actual, expected, message) {
    throw new AssertionError(arguments.length < 2 ? String(actual === undefined ? 'expect.fail()' : actual)
      : message || 'expected ' + inspect(actual) + ' to equal ' + inspect(expected));
  };

  Object.defineProperty(Object.prototype, 'should', {
    get: function () {
      var value = this instanceof String || this instanceof Number || this instanceof Boolean ? this.valueOf() : this;
      return new Assertion(value);
    },
    set: function (value) {
      Object.defineProperty(this, 'should', { value: value, enumerable: true, configurable: true, writable: true });
    },
    configurable: true,
  });

  var chai = {
    expect: expect,
    Assertion: Assertion,
    AssertionError: AssertionError,
    util: { flag: flag, type: type, inspect: inspect, addProperty: addProperty, addMethod: addMethod, addChainableMethod: addChainable, overwriteProperty: overwrite, overwriteMethod: overwrite },
    deepEqual: deepEqual,
    should: function () { return { fail: expect.fail }; },
  };
  chai.use = function (plugin) { plugin(chai, chai.util); return chai; };
  return chai;
})();
