// Sugar's prototype extensions that Postman's legacy sandbox has (`'abc'.has('b')`,
// `[1, 2].average()`, `(56).ordinalize()`), written for the sandbox after Sugar 1.x's
// documented behaviour. Defined non-enumerable, as Sugar defines them; a method the engine
// already has (`endsWith`, `repeat`) is left as it is.
(function () {
  function define(type, methods) {
    Object.keys(methods).forEach(function (name) {
      if (!(name in type.prototype)) {
        Object.defineProperty(type.prototype, name, { value: methods[name], writable: true, configurable: true, enumerable: false });
      }
    });
  }
  function matcher(given) {
    if (typeof given === 'function') return given;
    if (given instanceof RegExp) return function (item) { return given.test(item); };
    return function (item) { return __chai.deepEqual(item, given); };
  }
  define(Array, {
    any: function (given) { return this.some(matcher(given)); },
    none: function (given) { return !this.some(matcher(given)); },
    all: function (given) { return this.every(matcher(given)); },
    count: function (given) { return given === undefined ? this.length : this.filter(matcher(given)).length; },
    sum: function () { return this.reduce(function (a, b) { return a + b; }, 0); },
    average: function () { return this.length ? this.sum() / this.length : 0; },
    first: function (n) { return n === undefined ? this[0] : this.slice(0, n); },
    last: function (n) { return n === undefined ? this[this.length - 1] : this.slice(Math.max(this.length - n, 0)); },
    unique: function () { var out = []; this.forEach(function (item) { if (!out.some(function (o) { return __chai.deepEqual(o, item); })) out.push(item); }); return out; },
    compact: function () { return this.filter(function (item) { return item !== null && item !== undefined && item === item; }); },
    isEmpty: function () { return this.compact().length === 0; },
    include: function (item) { return this.concat(item); },
  });
  define(Number, {
    isEven: function () { return this % 2 === 0; },
    isOdd: function () { return Math.abs(this % 2) === 1; },
    hex: function (pad) { var text = this.toString(16); return pad ? ('0'.repeat(pad) + text).slice(-Math.max(pad, text.length)) : text; },
    ordinalize: function () {
      var n = Math.abs(Math.floor(this)), last = n % 100, suffix = 'th';
      if (last < 11 || last > 13) suffix = { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th';
      return Math.floor(this) + suffix;
    },
    format: function (place, thousands, decimal) {
      thousands = thousands === undefined ? ',' : thousands;
      decimal = decimal === undefined ? '.' : decimal;
      var text = place === undefined ? String(Math.abs(this)) : Math.abs(this).toFixed(place);
      var parts = text.split('.');
      var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
      return (this < 0 ? '-' : '') + whole + (parts[1] ? decimal + parts[1] : '');
    },
  });
  function words(text) { return String(text).replace(/([a-z\d])([A-Z])/g, '$1 $2').split(/[\s_-]+/).filter(Boolean); }
  define(String, {
    has: function (find) { return find instanceof RegExp ? find.test(this) : this.indexOf(find) !== -1; },
    camelize: function (first) {
      return words(this).map(function (word, i) {
        var lower = word.toLowerCase();
        return i === 0 && first === false ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
      }).join('');
    },
    spacify: function () { return words(this).map(function (w) { return w.toLowerCase(); }).join(' '); },
    dasherize: function () { return words(this).map(function (w) { return w.toLowerCase(); }).join('-'); },
    underscore: function () { return words(this).map(function (w) { return w.toLowerCase(); }).join('_'); },
    shift: function (n) { return Array.prototype.map.call(this, function (c) { return String.fromCharCode(c.charCodeAt(0) + n); }).join(''); },
    capitalize: function (all) {
      var lower = this.toLowerCase();
      return all ? lower.replace(/(^|\s)(\S)/g, function (m, space, c) { return space + c.toUpperCase(); }) : lower.charAt(0).toUpperCase() + lower.slice(1);
    },
    words: function () { return this.trim().split(/\s+/).filter(Boolean); },
    first: function (n) { return this.slice(0, n === undefined ? 1 : n); },
    last: function (n) { return this.slice(-(n === undefined ? 1 : n)); },
    at: function (index) { return this.charAt(index < 0 ? this.length + index : index); },
    isBlank: function () { return this.trim().length === 0; },
    compact: function () { return this.trim().replace(/\s+/g, ' '); },
  });
  define(Function, {
    once: function () {
      var fn = this, done = false, result;
      return function () { if (!done) { done = true; result = fn.apply(this, arguments); } return result; };
    },
  });
})();
