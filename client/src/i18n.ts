// Persian (right to left) and English. Every string the client shows is here, in both;
// the error codes are the API's own (taskflow/errors.py), so a new code falls back to
// the API's message.
import { signal } from "./signal";
import type { Language } from "./api";

const en = {
  appName: "TaskFlow",
  language: "Language",
  switchTo: "فارسی",
  signIn: "Sign in",
  signUp: "Create account",
  signOut: "Sign out",
  name: "Name",
  email: "Email",
  password: "Password",
  newPassword: "New password",
  noAccount: "No account yet?",
  haveAccount: "Already have an account?",
  forgotPassword: "Forgot your password?",
  sendResetLink: "Send reset link",
  resetSent: "If an account has this address, a reset link is on its way.",
  resetPassword: "Choose a new password",
  passwordChanged: "Your password is changed. Sign in with the new one.",
  verifyEmail: "Email verification",
  verifying: "Verifying…",
  emailVerified: "Your email address is verified.",
  invite: "Invitation",
  acceptInvite: "Join the team",
  inviteSignIn: "Sign in or create an account with the invited email address to join.",
  joinedTeam: "You joined the team",
  teams: "Teams",
  myTasks: "My tasks",
  inbox: "Inbox",
  preferences: "Preferences",
  newTeam: "New team",
  teamName: "Team name",
  create: "Create",
  save: "Save",
  saved: "Saved.",
  cancel: "Cancel",
  members: "Members",
  inviteMember: "Invite someone",
  role: "Role",
  roles: { owner: "Owner", admin: "Admin", member: "Member" },
  sendInvite: "Send invite",
  inviteSent: "Invite sent.",
  tasks: "Tasks",
  newTask: "New task",
  title: "Title",
  description: "Description",
  priority: "Priority",
  priorities: { low: "Low", medium: "Medium", high: "High" },
  status: "Status",
  statuses: { todo: "To do", in_progress: "In progress", done: "Done" },
  assignee: "Assignee",
  unassigned: "Unassigned",
  dueDate: "Due date",
  search: "Search",
  all: "All",
  sort: "Sort",
  sorts: { created_at: "Created", updated_at: "Updated", due_date: "Due date", priority: "Priority" },
  loadMore: "Load more",
  noTasks: "No tasks here.",
  complete: "Complete",
  reopen: "Reopen",
  delete: "Delete",
  restore: "Restore",
  deleted: "This task is deleted.",
  edit: "Edit",
  assign: "Assign",
  comments: "Comments",
  addComment: "Add comment",
  noComments: "No comments yet.",
  activity: "Activity",
  kinds: {
    created: "created the task", changed: "changed", assigned: "assigned", unassigned: "unassigned",
    completed: "completed", reopened: "reopened", deleted: "deleted", restored: "restored",
    commented: "commented",
  } as Record<string, string>,
  notifications: "Notifications",
  unread: "unread",
  markRead: "Mark read",
  markAllRead: "Mark all read",
  archive: "Archive",
  noNotifications: "Nothing new.",
  open: "Open",
  timezone: "Time zone",
  quietHours: "Quiet hours (no mail)",
  from: "From",
  to: "To",
  emailFor: "Email me about",
  types: {
    "task.assigned": "Tasks assigned to me",
    "task.completed": "Completed tasks",
    "task.due_soon": "Tasks due soon",
    "invite.created": "Invitations",
    "user.welcome": "Welcome",
  } as Record<string, string>,
  loading: "Loading…",
  offline: "You are offline. What you see may be out of date.",
  back: "Back",
  notFound: "This page does not exist.",
  errors: {
    offline: "The server cannot be reached. Check your connection.",
    unexpected: "Something went wrong. Try again.",
    invalid_input: "Check the highlighted fields.",
    invalid_credentials: "Wrong email or password.",
    email_taken: "An account already uses this email address.",
    account_locked: "Too many attempts: try again in a few minutes.",
    rate_limited: "Too many requests: wait a moment.",
    unauthenticated: "Please sign in.",
    invalid_token: "Please sign in again.",
    token_expired: "Please sign in again.",
    forbidden: "You are not allowed to do this.",
    not_team_member: "You are not a member of this team.",
    invite_email_mismatch: "This invite was sent to another email address.",
    invite_expired: "This invite has expired.",
    invite_revoked: "This invite was withdrawn.",
    invite_used: "This invite was already used.",
    already_member: "You are already a member of this team.",
    verification_token_invalid: "This link is invalid or has expired.",
    version_conflict: "Someone changed this task meanwhile: it was reloaded.",
    task_not_found: "This task does not exist.",
    team_not_found: "This team does not exist.",
    owner_must_transfer: "The owner must hand the team over first.",
  } as Record<string, string>,
};

type Strings = typeof en;

const fa: Strings = {
  appName: "تسک‌فلو",
  language: "زبان",
  switchTo: "English",
  signIn: "ورود",
  signUp: "ساخت حساب",
  signOut: "خروج",
  name: "نام",
  email: "ایمیل",
  password: "گذرواژه",
  newPassword: "گذرواژهٔ تازه",
  noAccount: "حساب ندارید؟",
  haveAccount: "حساب دارید؟",
  forgotPassword: "گذرواژه را فراموش کرده‌اید؟",
  sendResetLink: "فرستادن پیوند بازنشانی",
  resetSent: "اگر حسابی با این نشانی باشد، پیوند بازنشانی فرستاده شد.",
  resetPassword: "گذرواژهٔ تازه را برگزینید",
  passwordChanged: "گذرواژه عوض شد. با گذرواژهٔ تازه وارد شوید.",
  verifyEmail: "تأیید ایمیل",
  verifying: "در حال تأیید…",
  emailVerified: "نشانی ایمیل شما تأیید شد.",
  invite: "دعوت‌نامه",
  acceptInvite: "پیوستن به تیم",
  inviteSignIn: "برای پیوستن، با همان ایمیلی که دعوت شده وارد شوید یا حساب بسازید.",
  joinedTeam: "به تیم پیوستید",
  teams: "تیم‌ها",
  myTasks: "کارهای من",
  inbox: "صندوق اعلان‌ها",
  preferences: "تنظیمات",
  newTeam: "تیم تازه",
  teamName: "نام تیم",
  create: "ساختن",
  save: "ذخیره",
  saved: "ذخیره شد.",
  cancel: "انصراف",
  members: "اعضا",
  inviteMember: "دعوت از دیگران",
  role: "نقش",
  roles: { owner: "مالک", admin: "مدیر", member: "عضو" },
  sendInvite: "فرستادن دعوت",
  inviteSent: "دعوت فرستاده شد.",
  tasks: "کارها",
  newTask: "کار تازه",
  title: "عنوان",
  description: "توضیح",
  priority: "اولویت",
  priorities: { low: "کم", medium: "متوسط", high: "زیاد" },
  status: "وضعیت",
  statuses: { todo: "انجام‌نشده", in_progress: "در حال انجام", done: "انجام‌شده" },
  assignee: "مسئول",
  unassigned: "بی‌مسئول",
  dueDate: "مهلت",
  search: "جست‌وجو",
  all: "همه",
  sort: "ترتیب",
  sorts: { created_at: "ساخت", updated_at: "تغییر", due_date: "مهلت", priority: "اولویت" },
  loadMore: "بیشتر",
  noTasks: "کاری اینجا نیست.",
  complete: "انجام شد",
  reopen: "بازگشایی",
  delete: "حذف",
  restore: "بازگرداندن",
  deleted: "این کار حذف شده است.",
  edit: "ویرایش",
  assign: "سپردن",
  comments: "دیدگاه‌ها",
  addComment: "افزودن دیدگاه",
  noComments: "هنوز دیدگاهی نیست.",
  activity: "تاریخچه",
  kinds: {
    created: "کار را ساخت", changed: "تغییر داد", assigned: "سپرد", unassigned: "از کسی پس گرفت",
    completed: "انجام داد", reopened: "بازگشود", deleted: "حذف کرد", restored: "بازگرداند",
    commented: "دیدگاه نوشت",
  },
  notifications: "اعلان‌ها",
  unread: "خوانده‌نشده",
  markRead: "خوانده شد",
  markAllRead: "همه خوانده شد",
  archive: "بایگانی",
  noNotifications: "چیز تازه‌ای نیست.",
  open: "باز کردن",
  timezone: "منطقهٔ زمانی",
  quietHours: "ساعت‌های آرام (بدون ایمیل)",
  from: "از",
  to: "تا",
  emailFor: "برایم ایمیل بفرست دربارهٔ",
  types: {
    "task.assigned": "کارهایی که به من سپرده می‌شود",
    "task.completed": "کارهای انجام‌شده",
    "task.due_soon": "کارهای نزدیک به مهلت",
    "invite.created": "دعوت‌ها",
    "user.welcome": "خوشامد",
  },
  loading: "در حال بارگذاری…",
  offline: "شما آفلاین هستید. آنچه می‌بینید شاید کهنه باشد.",
  back: "بازگشت",
  notFound: "این صفحه وجود ندارد.",
  errors: {
    offline: "به سرور دسترسی نیست. اتصال را بررسی کنید.",
    unexpected: "مشکلی پیش آمد. دوباره تلاش کنید.",
    invalid_input: "خانه‌های مشخص‌شده را بررسی کنید.",
    invalid_credentials: "ایمیل یا گذرواژه نادرست است.",
    email_taken: "حسابی با این ایمیل هست.",
    account_locked: "تلاش‌های زیاد: چند دقیقهٔ دیگر دوباره امتحان کنید.",
    rate_limited: "درخواست‌ها زیاد است: کمی صبر کنید.",
    unauthenticated: "لطفاً وارد شوید.",
    invalid_token: "لطفاً دوباره وارد شوید.",
    token_expired: "لطفاً دوباره وارد شوید.",
    forbidden: "اجازهٔ این کار را ندارید.",
    not_team_member: "شما عضو این تیم نیستید.",
    invite_email_mismatch: "این دعوت برای ایمیل دیگری فرستاده شده است.",
    invite_expired: "این دعوت منقضی شده است.",
    invite_revoked: "این دعوت پس گرفته شده است.",
    invite_used: "این دعوت پیش‌تر به کار رفته است.",
    already_member: "شما از پیش عضو این تیم هستید.",
    verification_token_invalid: "این پیوند نامعتبر یا منقضی است.",
    version_conflict: "کس دیگری این کار را در این میان تغییر داد: دوباره بارگذاری شد.",
    task_not_found: "این کار وجود ندارد.",
    team_not_found: "این تیم وجود ندارد.",
    owner_must_transfer: "مالک باید نخست تیم را به دیگری بسپارد.",
  },
};

const dictionaries: Record<Language, Strings> = { en, fa };

function initialLanguage(): Language {
  const stored = localStorage.getItem("taskflow.language");
  if (stored === "fa" || stored === "en") return stored;
  return navigator.language.toLowerCase().startsWith("fa") ? "fa" : "en";
}

export const language = signal<Language>(initialLanguage());

export function setLanguage(next: Language): void {
  localStorage.setItem("taskflow.language", next);
  language.set(next);
}

export function strings(): Strings {
  return dictionaries[language.get()];
}

export function applyDocumentLanguage(lang: Language): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "fa" ? "rtl" : "ltr";
  document.title = dictionaries[lang].appName;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  const locale = language.get() === "fa" ? "fa-IR" : "en-GB";
  const date = value.length === 10 ? new Date(`${value}T00:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    ...(value.length > 10 ? { timeStyle: "short" } : {}),
  }).format(date);
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(language.get() === "fa" ? "fa-IR" : "en-GB").format(value);
}

export function errorText(error: unknown): string {
  const t = strings();
  const e = error as { code?: string; message?: string } | undefined;
  if (e?.code && t.errors[e.code]) return t.errors[e.code];
  return e?.message || t.errors.unexpected;
}
