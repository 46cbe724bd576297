// mermaid-cli (dev only, for bench/site_render.py) depends on puppeteer: never let it download a browser.
// The benchmark points it at Debian's /usr/bin/chromium instead.
module.exports = { skipDownload: true };
