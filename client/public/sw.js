// taskflow's service worker: keeps the app shell (the page and its hashed assets) so
// the client opens offline and says so. The API is never cached: every call goes to the
// network, and a page shown offline is the shell with its offline notice.
const CACHE = "taskflow-shell-v1";
const ROOT = new URL("./", self.location.href).pathname;

async function cacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(ROOT, { cache: "no-store" });
  if (!response.ok) return;
  const page = await response.clone().text();
  await cache.put(ROOT, response);
  // The hashed assets the page names (script, styles, manifest, icons).
  const names = [...page.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((match) => match[1])
    .filter((name) => !name.startsWith("http") && !name.startsWith("/") || name.startsWith(ROOT));
  await Promise.all(
    names.map((name) => cache.add(new URL(name, self.location.origin + ROOT).href).catch(() => undefined)),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network first (a new release shows at once); the cached shell when offline.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(ROOT)) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith(`${ROOT}assets/`)) {
    // Hashed names never change content: the cache is always right.
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then(async (response) => {
            if (response.ok) (await caches.open(CACHE)).put(request, response.clone());
            return response;
          }),
      ),
    );
  }
});

// Web Push: the server's payload is {id, type, title, body, url, data} (no secret, no
// token); the notification opens its url (the task, or the client's home).
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "TaskFlow", {
      body: message.body || "",
      tag: message.id,
      data: { url: message.url || self.registration.scope },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === url && "focus" in client);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
