import type { Messages } from "./en";

/** Japanese email messages (same keys and placeholders as en.ts). */
export const ja: Messages = {
  greeting: "こんにちは。",
  greetingName: "{name} 様",
  "reset.subject": "{product} のパスワード再設定",
  "reset.intro": "{product} アカウントのパスワード再設定のリクエストを受け付けました。",
  "reset.button": "新しいパスワードを設定する",
  "reset.linkExpiry": "このリンクは 1 回だけ使用でき、{minutes} 分後に期限切れになります。",
  "reset.codeIntro": "または、再設定ページで次のコードを入力してください:",
  "reset.codeExpiry": "コードの有効期限は {codeMinutes} 分です。",
  "reset.ignore": "このリクエストに心当たりがない場合は、このメールを無視してください。パスワードは変更されません。",
  "admin.subject": "{product} の新しいパスワードを設定してください",
  "admin.intro": "{product} の管理者から、アカウントの新しいパスワードを設定するよう依頼がありました。",
  "admin.button": "新しいパスワードを設定する",
  "admin.linkExpiry": "このリンクは 1 回だけ使用でき、{hours} 時間後に期限切れになります。",
  "admin.ignore": "このメールに心当たりがない場合は、リンクを使う前にサポートにお問い合わせください。",
  "changed.subject": "{product} のパスワードが変更されました",
  "changed.intro": "{product} アカウントのパスワードが {when} に変更されました。",
  "changed.where": "リクエストのおおよその発信元: {where}",
  "changed.sessions": "安全のため、サインインしていたすべてのデバイスからサインアウトしました。",
  "changed.notYou": "お心当たりがない場合、第三者がパスワードを知っている可能性があります。下のボタンからすぐにパスワードを再設定し、アカウントを確認してください。",
  "changed.button": "パスワードを再設定する",
  linkFallback: "ボタンが機能しない場合は、次のアドレスをブラウザに貼り付けてください:",
  support: "お困りの場合はサポートにお問い合わせください:",
  footer: "このメールは {product} から送信されました。お客様のアカウントでの操作に基づいてお送りしています。",
};
