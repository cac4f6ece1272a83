// Ink imports react-devtools-core only when DEV=true; the bundle leaves the real one out.
export default { initialize() {}, connectToDevTools() {} };
