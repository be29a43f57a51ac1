import type { Messages } from "./en";

/** Portuguese email messages (same keys and placeholders as en.ts). */
export const pt: Messages = {
  greeting: "Olá,",
  greetingName: "Olá, {name},",
  "reset.subject": "Redefina sua senha do {product}",
  "reset.intro": "Recebemos um pedido para redefinir a senha da sua conta {product}.",
  "reset.button": "Escolher uma nova senha",
  "reset.linkExpiry": "O link funciona uma única vez e expira em {minutes} minutos.",
  "reset.codeIntro": "Ou digite este código na página de redefinição:",
  "reset.codeExpiry": "O código expira em {codeMinutes} minutos.",
  "reset.ignore": "Se você não fez este pedido, ignore este e-mail: sua senha continua a mesma.",
  "admin.subject": "Defina uma nova senha para o {product}",
  "admin.intro": "Um administrador do {product} pediu que você escolha uma nova senha para sua conta.",
  "admin.button": "Escolher uma nova senha",
  "admin.linkExpiry": "O link funciona uma única vez e expira em {hours} horas.",
  "admin.ignore": "Se você não esperava este e-mail, fale com o suporte antes de usar o link.",
  "changed.subject": "Sua senha do {product} foi alterada",
  "changed.intro": "A senha da sua conta {product} foi alterada em {when}.",
  "changed.where": "Origem aproximada do pedido: {where}.",
  "changed.sessions": "Para sua segurança, todos os dispositivos conectados foram desconectados.",
  "changed.notYou": "Se não foi você, outra pessoa pode conhecer sua senha: redefina-a imediatamente com o botão abaixo e depois verifique sua conta.",
  "changed.button": "Redefinir minha senha",
  linkFallback: "Se o botão não funcionar, copie este endereço no seu navegador:",
  support: "Precisa de ajuda? Fale com o suporte:",
  footer: "Este e-mail foi enviado por {product}. Você o recebeu por causa de uma ação na sua conta.",
};
