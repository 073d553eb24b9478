// CryptoJS's hashes and HMACs (MD5, SHA-1, SHA-2) and encoders, over the plugin's Rust hashes
// (`__digest`, `__hmac`): a word array holds its bytes as hex. Strings are read as UTF-8, as
// CryptoJS does. Ciphers (AES, DES, ...) are not here. Also `atob` and `btoa`.
var __crypto = (function () {
  function WordArray(hex) {
    this.hex = hex;
    this.sigBytes = hex.length / 2;
  }
  Object.defineProperty(WordArray.prototype, 'words', {
    get: function () {
      var words = [];
      for (var i = 0; i < this.hex.length; i += 8) words.push(parseInt((this.hex.substr(i, 8) + '00000000').substr(0, 8), 16) | 0);
      return words;
    },
  });
  WordArray.prototype.toString = function (encoder) { return (encoder || Hex).stringify(this); };
  WordArray.prototype.concat = function (other) { this.hex += other.hex; this.sigBytes = this.hex.length / 2; return this; };
  WordArray.prototype.clone = function () { return new WordArray(this.hex); };

  var Hex = {
    stringify: function (words) { return words.hex; },
    parse: function (text) { return new WordArray(String(text).toLowerCase()); },
  };
  var Utf8 = {
    stringify: function (words) { return __hexToUtf8(words.hex); },
    parse: function (text) { return new WordArray(__utf8ToHex(String(text))); },
  };
  var Latin1 = {
    stringify: function (words) {
      var out = '';
      for (var i = 0; i < words.hex.length; i += 2) out += String.fromCharCode(parseInt(words.hex.substr(i, 2), 16));
      return out;
    },
    parse: function (text) {
      var hex = '';
      text = String(text);
      for (var i = 0; i < text.length; i++) hex += ('0' + (text.charCodeAt(i) & 0xff).toString(16)).slice(-2);
      return new WordArray(hex);
    },
  };
  var Base64 = {
    stringify: function (words) { return __hexToBase64(words.hex); },
    parse: function (text) { return new WordArray(__base64ToHex(String(text))); },
  };

  function bytes(message) {
    return message instanceof WordArray ? message.hex : __utf8ToHex(message === undefined ? '' : String(message));
  }

  var CryptoJS = {
    lib: {
      WordArray: {
        create: function (words, sigBytes) {
          var hex = (words || []).map(function (w) { return ('00000000' + (w >>> 0).toString(16)).slice(-8); }).join('');
          return new WordArray(sigBytes === undefined ? hex : hex.substr(0, sigBytes * 2));
        },
        random: function (count) {
          var hex = '';
          for (var i = 0; i < count; i++) hex += ('0' + Math.floor(Math.random() * 256).toString(16)).slice(-2);
          return new WordArray(hex);
        },
      },
    },
    enc: { Hex: Hex, Utf8: Utf8, Latin1: Latin1, Base64: Base64 },
  };
  ['MD5', 'SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512'].forEach(function (algorithm) {
    CryptoJS[algorithm] = function (message) { return new WordArray(__digest(algorithm, bytes(message))); };
    CryptoJS['Hmac' + algorithm] = function (message, key) {
      return new WordArray(__hmac(algorithm, bytes(message), bytes(key)));
    };
  });
  return CryptoJS;
})();

function __btoa(text) {
  text = String(text);
  var hex = '';
  for (var i = 0; i < text.length; i++) {
    var code = text.charCodeAt(i);
    if (code > 255) throw new Error('InvalidCharacterError: the string to be encoded contains characters outside of the Latin1 range');
    hex += ('0' + code.toString(16)).slice(-2);
  }
  return __hexToBase64(hex);
}

function __atob(text) {
  return __crypto.enc.Latin1.stringify({ hex: __base64ToHex(String(text)) });
}
