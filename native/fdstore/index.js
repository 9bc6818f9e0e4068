'use strict';
// The addon node-gyp builds (npm install), or the one the Debian package ships in the same place.
module.exports = require('./build/Release/fdstore.node');
