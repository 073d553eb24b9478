// lodash's everyday functions as `_` (and `require('lodash')`), written for the sandbox after
// lodash 4's documented behaviour: collections are arrays or objects, iteratees may be a
// function, a property name, a `[name, value]` pair or a partial object. Functions lodash
// has and this does not are absent: calling one fails the script with "is not a function".
var __lodash = (function () {
  var _ = {};
  var has = Object.prototype.hasOwnProperty;

  function isObjectLike(value) { return value !== null && typeof value === 'object'; }
  function isArrayLike(value) { return value != null && typeof value !== 'function' && typeof value.length === 'number'; }
  function toPath(path) {
    if (Array.isArray(path)) return path;
    return String(path).replace(/\[(?:'([^']*)'|"([^"]*)"|([^\]]*))\]/g, function (m, a, b, c) { return '.' + (a || b || c); })
      .split('.').filter(function (part) { return part !== ''; });
  }
  function get(object, path, fallback) {
    var parts = toPath(path);
    for (var i = 0; i < parts.length; i++) {
      if (object == null) return fallback;
      object = object[parts[i]];
    }
    return object === undefined ? fallback : object;
  }
  function matches(source) {
    return function (object) {
      return Object.keys(source).every(function (key) {
        return object != null && (isObjectLike(source[key]) ? matches(source[key])(object[key]) : __chai.deepEqual(object[key], source[key]));
      });
    };
  }
  function iteratee(given) {
    if (typeof given === 'function') return given;
    if (given == null) return function (value) { return value; };
    if (Array.isArray(given)) return function (object) { return __chai.deepEqual(get(object, given[0]), given[1]); };
    if (typeof given === 'object') return matches(given);
    return function (object) { return get(object, given); };
  }
  function entries(collection) {
    if (isArrayLike(collection)) return Array.prototype.map.call(collection, function (value, index) { return [index, value]; });
    return collection == null ? [] : Object.keys(collection).map(function (key) { return [key, collection[key]]; });
  }
  function values(collection) { return entries(collection).map(function (pair) { return pair[1]; }); }

  _.each = _.forEach = function (collection, fn) {
    var list = entries(collection);
    for (var i = 0; i < list.length; i++) if (fn(list[i][1], list[i][0], collection) === false) break;
    return collection;
  };
  _.map = function (collection, fn) { fn = iteratee(fn); return entries(collection).map(function (p) { return fn(p[1], p[0], collection); }); };
  _.filter = function (collection, fn) { fn = iteratee(fn); return entries(collection).filter(function (p) { return fn(p[1], p[0], collection); }).map(function (p) { return p[1]; }); };
  _.reject = function (collection, fn) { fn = iteratee(fn); return _.filter(collection, function (v, k, c) { return !fn(v, k, c); }); };
  _.find = function (collection, fn) { fn = iteratee(fn); var list = entries(collection); for (var i = 0; i < list.length; i++) if (fn(list[i][1], list[i][0], collection)) return list[i][1]; };
  _.findIndex = function (array, fn) { fn = iteratee(fn); for (var i = 0; i < (array || []).length; i++) if (fn(array[i], i, array)) return i; return -1; };
  _.findKey = function (object, fn) { fn = iteratee(fn); var list = entries(object); for (var i = 0; i < list.length; i++) if (fn(list[i][1], list[i][0], object)) return list[i][0]; };
  _.some = function (collection, fn) { fn = iteratee(fn); return entries(collection).some(function (p) { return fn(p[1], p[0], collection); }); };
  _.every = function (collection, fn) { fn = iteratee(fn); return entries(collection).every(function (p) { return fn(p[1], p[0], collection); }); };
  _.reduce = function (collection, fn, accumulator) {
    var list = entries(collection), start = 0;
    if (arguments.length < 3) { accumulator = list.length ? list[0][1] : undefined; start = 1; }
    for (var i = start; i < list.length; i++) accumulator = fn(accumulator, list[i][1], list[i][0], collection);
    return accumulator;
  };
  _.includes = _.contains = function (collection, value, from) {
    if (typeof collection === 'string') return collection.indexOf(value, from || 0) !== -1;
    return values(collection).slice(from || 0).some(function (item) { return item === value || (item !== item && value !== value); });
  };
  _.size = function (collection) { return collection == null ? 0 : isArrayLike(collection) ? collection.length : Object.keys(collection).length; };
  _.keys = function (object) { return object == null ? [] : Object.keys(Object(object)); };
  _.values = values;
  _.toPairs = _.entries = function (object) { return Object.keys(object || {}).map(function (k) { return [k, object[k]]; }); };
  _.fromPairs = function (pairs) { var out = {}; (pairs || []).forEach(function (p) { out[p[0]] = p[1]; }); return out; };
  _.get = get;
  _.has = function (object, path) {
    var parts = toPath(path);
    for (var i = 0; i < parts.length; i++) { if (object == null || !has.call(object, parts[i])) return false; object = object[parts[i]]; }
    return parts.length > 0;
  };
  _.set = function (object, path, value) {
    var parts = toPath(path), target = object;
    for (var i = 0; i < parts.length - 1; i++) {
      if (!isObjectLike(target[parts[i]])) target[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      target = target[parts[i]];
    }
    target[parts[parts.length - 1]] = value;
    return object;
  };
  _.isEqual = function (a, b) { return __chai.deepEqual(a, b); };
  _.isEmpty = function (value) {
    if (value == null) return true;
    if (isArrayLike(value)) return value.length === 0;
    if (value instanceof Map || value instanceof Set) return value.size === 0;
    if (typeof value === 'object') return Object.keys(value).length === 0;
    return true;
  };
  _.isArray = Array.isArray;
  _.isObject = function (value) { return value !== null && (typeof value === 'object' || typeof value === 'function'); };
  _.isObjectLike = isObjectLike;
  _.isPlainObject = function (value) { if (!isObjectLike(value)) return false; var proto = Object.getPrototypeOf(value); return proto === null || proto === Object.prototype; };
  _.isString = function (value) { return typeof value === 'string' || value instanceof String; };
  _.isNumber = function (value) { return typeof value === 'number' || value instanceof Number; };
  _.isInteger = Number.isInteger;
  _.isFinite = Number.isFinite;
  _.isNaN = function (value) { return _.isNumber(value) && value != +value; };
  _.isBoolean = function (value) { return value === true || value === false || value instanceof Boolean; };
  _.isFunction = function (value) { return typeof value === 'function'; };
  _.isNull = function (value) { return value === null; };
  _.isUndefined = function (value) { return value === undefined; };
  _.isNil = function (value) { return value == null; };
  _.isDate = function (value) { return value instanceof Date; };
  _.isRegExp = function (value) { return value instanceof RegExp; };
  _.isError = function (value) { return value instanceof Error; };
  _.first = _.head = function (array) { return array && array.length ? array[0] : undefined; };
  _.last = function (array) { return array && array.length ? array[array.length - 1] : undefined; };
  _.tail = function (array) { return (array || []).slice(1); };
  _.initial = function (array) { return (array || []).slice(0, -1); };
  _.take = function (array, n) { return (array || []).slice(0, n === undefined ? 1 : n); };
  _.nth = function (array, n) { n = n || 0; return array[n < 0 ? array.length + n : n]; };
  _.uniq = function (array) { return (array || []).filter(function (v, i, a) { return a.findIndex(function (w) { return w === v || (w !== w && v !== v); }) === i; }); };
  _.uniqBy = function (array, fn) { fn = iteratee(fn); var seen = []; return (array || []).filter(function (v) { var k = fn(v); if (_.includes(seen, k)) return false; seen.push(k); return true; }); };
  _.compact = function (array) { return (array || []).filter(Boolean); };
  _.flatten = function (array) { return [].concat.apply([], (array || []).map(function (v) { return v; })); };
  _.flattenDeep = function (array) { return (array || []).reduce(function (out, v) { return out.concat(Array.isArray(v) ? _.flattenDeep(v) : v); }, []); };
  _.concat = function () { return [].concat.apply([], arguments); };
  _.difference = function (array) { var others = [].concat.apply([], Array.prototype.slice.call(arguments, 1)); return (array || []).filter(function (v) { return !_.includes(others, v); }); };
  _.without = function (array) { var others = Array.prototype.slice.call(arguments, 1); return (array || []).filter(function (v) { return !_.includes(others, v); }); };
  _.intersection = function (first) { var rest = Array.prototype.slice.call(arguments, 1); return _.uniq(first || []).filter(function (v) { return rest.every(function (a) { return _.includes(a, v); }); }); };
  _.union = function () { return _.uniq([].concat.apply([], arguments)); };
  _.chunk = function (array, size) { size = Math.max(size || 1, 1); var out = []; for (var i = 0; i < (array || []).length; i += size) out.push(array.slice(i, i + size)); return out; };
  _.zip = function () { var arrays = Array.prototype.slice.call(arguments); var n = Math.max.apply(null, arrays.map(function (a) { return a.length; }).concat(0)); var out = []; for (var i = 0; i < n; i++) out.push(arrays.map(function (a) { return a[i]; })); return out; };
  _.indexOf = function (array, value, from) { return (array || []).indexOf(value, from); };
  _.join = function (array, separator) { return (array || []).join(separator === undefined ? ',' : separator); };
  _.reverse = function (array) { return array.reverse(); };
  _.range = function (start, end, step) {
    if (end === undefined) { end = start; start = 0; }
    step = step === undefined ? (start < end ? 1 : -1) : step;
    var out = [];
    for (var v = start; step > 0 ? v < end : v > end; v += step) { out.push(v); if (step === 0) break; }
    return out;
  };
  _.times = function (n, fn) { fn = fn || function (i) { return i; }; var out = []; for (var i = 0; i < n; i++) out.push(fn(i)); return out; };
  _.random = function (lower, upper, floating) {
    if (upper === undefined) { upper = lower === undefined ? 1 : lower; lower = 0; }
    if (floating || lower % 1 || upper % 1) return lower + Math.random() * (upper - lower);
    return lower + Math.floor(Math.random() * (upper - lower + 1));
  };
  _.sample = function (collection) { var list = values(collection); return list[Math.floor(Math.random() * list.length)]; };
  _.shuffle = function (collection) { var list = values(collection); for (var i = list.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)); var t = list[i]; list[i] = list[j]; list[j] = t; } return list; };
  function sortKey(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  _.sortBy = function (collection, fns) {
    fns = [].concat(fns === undefined ? [null] : fns).map(iteratee);
    return values(collection).map(function (v, i) { return { v: v, i: i }; }).sort(function (a, b) {
      for (var k = 0; k < fns.length; k++) { var c = sortKey(fns[k](a.v), fns[k](b.v)); if (c) return c; }
      return a.i - b.i;
    }).map(function (e) { return e.v; });
  };
  _.orderBy = function (collection, fns, orders) {
    fns = [].concat(fns === undefined ? [null] : fns).map(iteratee); orders = [].concat(orders || []);
    return values(collection).map(function (v, i) { return { v: v, i: i }; }).sort(function (a, b) {
      for (var k = 0; k < fns.length; k++) { var c = sortKey(fns[k](a.v), fns[k](b.v)); if (c) return orders[k] === 'desc' ? -c : c; }
      return a.i - b.i;
    }).map(function (e) { return e.v; });
  };
  function grouping(add) {
    return function (collection, fn) { fn = iteratee(fn); var out = {}; values(collection).forEach(function (v) { add(out, fn(v), v); }); return out; };
  }
  _.groupBy = grouping(function (out, key, v) { (has.call(out, key) ? out[key] : (out[key] = [])).push(v); });
  _.countBy = grouping(function (out, key) { out[key] = (out[key] || 0) + 1; });
  _.keyBy = grouping(function (out, key, v) { out[key] = v; });
  _.partition = function (collection, fn) { fn = iteratee(fn); var yes = [], no = []; values(collection).forEach(function (v) { (fn(v) ? yes : no).push(v); }); return [yes, no]; };
  _.mapValues = function (object, fn) { fn = iteratee(fn); var out = {}; Object.keys(object || {}).forEach(function (k) { out[k] = fn(object[k], k, object); }); return out; };
  _.mapKeys = function (object, fn) { fn = iteratee(fn); var out = {}; Object.keys(object || {}).forEach(function (k) { out[fn(object[k], k, object)] = object[k]; }); return out; };
  _.pick = function (object) { var names = [].concat.apply([], Array.prototype.slice.call(arguments, 1)); var out = {}; names.forEach(function (n) { if (object != null && n in Object(object)) out[n] = object[n]; }); return out; };
  _.omit = function (object) { var names = [].concat.apply([], Array.prototype.slice.call(arguments, 1)).map(String); var out = {}; Object.keys(object || {}).forEach(function (k) { if (names.indexOf(k) === -1) out[k] = object[k]; }); return out; };
  _.pickBy = function (object, fn) { fn = iteratee(fn); var out = {}; Object.keys(object || {}).forEach(function (k) { if (fn(object[k], k)) out[k] = object[k]; }); return out; };
  _.omitBy = function (object, fn) { fn = iteratee(fn); return _.pickBy(object, function (v, k) { return !fn(v, k); }); };
  _.assign = _.extend = function (target) { return Object.assign.apply(Object, [target].concat(Array.prototype.slice.call(arguments, 1))); };
  _.defaults = function (target) { Array.prototype.slice.call(arguments, 1).forEach(function (source) { Object.keys(source || {}).forEach(function (k) { if (target[k] === undefined) target[k] = source[k]; }); }); return target; };
  _.merge = function (target) {
    Array.prototype.slice.call(arguments, 1).forEach(function (source) {
      Object.keys(source || {}).forEach(function (k) {
        var value = source[k];
        if (isObjectLike(value) && isObjectLike(target[k])) _.merge(target[k], value);
        else if (isObjectLike(value)) target[k] = _.merge(Array.isArray(value) ? [] : {}, value);
        else if (value !== undefined) target[k] = value;
      });
    });
    return target;
  };
  _.clone = function (value) { return Array.isArray(value) ? value.slice() : isObjectLike(value) ? Object.assign({}, value) : value; };
  _.cloneDeep = function (value) {
    if (Array.isArray(value)) return value.map(_.cloneDeep);
    if (value instanceof Date) return new Date(value.getTime());
    if (isObjectLike(value)) { var out = {}; Object.keys(value).forEach(function (k) { out[k] = _.cloneDeep(value[k]); }); return out; }
    return value;
  };
  function numbers(collection, fn) { fn = iteratee(fn); return values(collection).map(function (v) { return fn(v); }); }
  _.sum = function (array) { return (array || []).reduce(function (a, b) { return a + b; }, 0); };
  _.sumBy = function (array, fn) { return _.sum(numbers(array, fn)); };
  _.mean = function (array) { return array && array.length ? _.sum(array) / array.length : NaN; };
  _.max = function (array) { return array && array.length ? array.reduce(function (a, b) { return b > a ? b : a; }) : undefined; };
  _.min = function (array) { return array && array.length ? array.reduce(function (a, b) { return b < a ? b : a; }) : undefined; };
  _.maxBy = function (array, fn) { fn = iteratee(fn); return (array || []).reduce(function (a, b) { return a === undefined || fn(b) > fn(a) ? b : a; }, undefined); };
  _.minBy = function (array, fn) { fn = iteratee(fn); return (array || []).reduce(function (a, b) { return a === undefined || fn(b) < fn(a) ? b : a; }, undefined); };
  _.round = function (n, precision) { var f = Math.pow(10, precision || 0); return Math.round(n * f) / f; };
  _.clamp = function (n, lower, upper) { return Math.min(Math.max(n, lower), upper); };
  _.inRange = function (n, start, end) { if (end === undefined) { end = start; start = 0; } return n >= Math.min(start, end) && n < Math.max(start, end); };
  _.parseInt = function (text, radix) { return parseInt(String(text).trim(), radix || 0); };
  _.toNumber = function (value) { return typeof value === 'string' && value.trim() === '' ? 0 : Number(value); };
  _.toString = function (value) { return value == null ? '' : Array.isArray(value) ? value.join(',') : String(value); };
  _.toInteger = function (value) { var n = _.toNumber(value); return isFinite(n) ? Math.trunc(n) : n > 0 ? Number.MAX_VALUE : n < 0 ? -Number.MAX_VALUE : 0; };
  function words(text) { return String(text == null ? '' : text).replace(/([a-z])([A-Z])/g, '$1 $2').split(/[^A-Za-z0-9]+/).filter(Boolean); }
  _.words = words;
  _.camelCase = function (text) { return words(text).map(function (w, i) { w = w.toLowerCase(); return i ? w.charAt(0).toUpperCase() + w.slice(1) : w; }).join(''); };
  _.kebabCase = function (text) { return words(text).map(function (w) { return w.toLowerCase(); }).join('-'); };
  _.snakeCase = function (text) { return words(text).map(function (w) { return w.toLowerCase(); }).join('_'); };
  _.capitalize = function (text) { text = _.toString(text); return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(); };
  _.upperFirst = function (text) { text = _.toString(text); return text.charAt(0).toUpperCase() + text.slice(1); };
  _.lowerFirst = function (text) { text = _.toString(text); return text.charAt(0).toLowerCase() + text.slice(1); };
  _.toUpper = function (text) { return _.toString(text).toUpperCase(); };
  _.toLower = function (text) { return _.toString(text).toLowerCase(); };
  _.trim = function (text, chars) { text = _.toString(text); if (chars === undefined) return text.trim(); var set = chars.split(''); var a = 0, b = text.length; while (a < b && set.indexOf(text[a]) !== -1) a++; while (b > a && set.indexOf(text[b - 1]) !== -1) b--; return text.slice(a, b); };
  _.startsWith = function (text, target, position) { return _.toString(text).startsWith(target, position); };
  _.endsWith = function (text, target, position) { return _.toString(text).endsWith(target, position); };
  _.padStart = function (text, length, chars) { return _.toString(text).padStart(length, chars === undefined ? ' ' : chars); };
  _.padEnd = function (text, length, chars) { return _.toString(text).padEnd(length, chars === undefined ? ' ' : chars); };
  _.repeat = function (text, n) { return _.toString(text).repeat(n === undefined ? 1 : n); };
  _.split = function (text, separator, limit) { return _.toString(text).split(separator, limit); };
  _.replace = function (text, pattern, replacement) { return _.toString(text).replace(pattern, replacement); };
  _.escapeRegExp = function (text) { return _.toString(text).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'); };
  _.escape = function (text) { return _.toString(text).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); };
  _.identity = function (value) { return value; };
  _.noop = function () {};
  _.constant = function (value) { return function () { return value; }; };
  _.now = function () { return Date.now(); };
  _.uniqueId = (function () { var id = 0; return function (prefix) { id += 1; return (prefix === undefined ? '' : prefix) + id; }; })();
  _.once = function (fn) { var done = false, result; return function () { if (!done) { done = true; result = fn.apply(this, arguments); } return result; }; };
  _.iteratee = iteratee;
  _.matches = matches;
  _.property = function (path) { return function (object) { return get(object, path); }; };
  _.castArray = function (value) { return arguments.length === 0 ? [] : Array.isArray(value) ? value : [value]; };
  _.template = function (text) {
    return function (data) { return String(text).replace(/<%=\s*([\s\S]+?)\s*%>/g, function (m, path) { return _.toString(get(data, path.trim())); }); };
  };
  return _;
})();
