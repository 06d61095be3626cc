// Preferences: mail per type, quiet hours, time zone, language.
import { useEffect, useState } from "preact/hooks";
import { api, call } from "../api";
import type { Language } from "../api";
import { setLanguage, strings } from "../i18n";
import { ErrorBox, Field, Loading, Notice, Select, useAction, useLoad } from "../ui";

export function PreferencesPage() {
  const t = strings();
  const current = useLoad(() => call(() => api.GET("/notifications/preferences")), []);
  const [email, setEmail] = useState<Record<string, boolean>>({});
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [timezone, setTimezone] = useState("");
  const [lang, setLang] = useState<Language>("en");
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  useEffect(() => {
    const p = current.data;
    if (!p) return;
    // Security mails (verification, password reset) always go out: not offered.
    setEmail(Object.fromEntries(Object.entries(p.email).filter(([type]) => type in strings().types)));
    setStart(p.quiet_hours_start?.slice(0, 5) ?? "");
    setEnd(p.quiet_hours_end?.slice(0, 5) ?? "");
    setTimezone(p.timezone);
    setLang(p.language === "fa" ? "fa" : "en");
  }, [current.data]);
  if (current.error) return <main><ErrorBox error={current.error} /></main>;
  if (!current.data) return <main><Loading /></main>;
  return (
    <main>
      <form
        class="card"
        aria-label={t.preferences}
        onSubmit={async (event) => {
          event.preventDefault();
          setSaved(false);
          const body = {
            email,
            timezone,
            language: lang,
            quiet_hours_start: start || null,
            quiet_hours_end: end || null,
          };
          const done = await run(() => call(() => api.PUT("/notifications/preferences", { body })));
          if (done) {
            setSaved(true);
            setLanguage(lang);
          }
        }}
      >
        <h1>{t.preferences}</h1>
        <fieldset>
          <legend>{t.emailFor}</legend>
          {Object.keys(email).sort().map((type) => (
            <div class="check" key={type}>
              <input type="checkbox" id={`mail-${type}`} name={`mail-${type}`} checked={email[type]}
                onChange={(event) => setEmail({ ...email, [type]: (event.target as HTMLInputElement).checked })} />
              <label for={`mail-${type}`}>{t.types[type] ?? type}</label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t.quietHours}</legend>
          <Field label={t.from} name="quiet_start" type="time" value={start} onInput={setStart} />
          <Field label={t.to} name="quiet_end" type="time" value={end} onInput={setEnd} />
        </fieldset>
        <Field label={t.timezone} name="timezone" value={timezone} onInput={setTimezone} />
        <Select<Language> label={t.language} name="language" value={lang} onChange={setLang}
          options={[["fa", "فارسی"], ["en", "English"]]} />
        <ErrorBox error={error} />
        {saved ? <Notice>{t.saved}</Notice> : null}
        <button type="submit" disabled={busy}>{t.save}</button>
      </form>
      <PushCard />
    </main>
  );
}

// Web Push on this device: the server's VAPID key, the browser's permission, the
// subscription (PushSubscription.toJSON()) stored on the server.
function PushCard() {
  const t = strings();
  const [on, setOn] = useState(false);
  const { error, busy, run } = useAction();
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const enable = async () => {
    const done = await run(async () => {
      const { public_key } = await call(() => api.GET("/notifications/push/key"));
      if ((await Notification.requestPermission()) !== "granted") {
        throw { status: 0, code: "push_denied", message: t.pushDenied };
      }
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: public_key, // base64url, as the browser takes it
      });
      const json = subscription.toJSON();
      const keys = json.keys ?? {};
      return call(() =>
        api.POST("/notifications/push/subscriptions", {
          body: { endpoint: json.endpoint ?? "", keys: { p256dh: keys.p256dh ?? "", auth: keys.auth ?? "" } },
        }),
      );
    });
    if (done) setOn(true);
  };
  return (
    <section class="card" aria-label={t.pushTitle}>
      <h2>{t.pushTitle}</h2>
      <p>{supported ? t.pushHelp : t.pushUnsupported}</p>
      <ErrorBox error={error} />
      {on ? <Notice>{t.pushOn}</Notice> : null}
      {supported && !on ? <button type="button" onClick={enable} disabled={busy}>{t.pushEnable}</button> : null}
    </section>
  );
}
