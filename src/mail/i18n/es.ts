import type { Messages } from "./en";

/** Spanish email messages (same keys and placeholders as en.ts). */
export const es: Messages = {
  greeting: "Hola:",
  greetingName: "Hola, {name}:",
  "reset.subject": "Restablece tu contraseña de {product}",
  "reset.intro": "Hemos recibido una solicitud para restablecer la contraseña de tu cuenta de {product}.",
  "reset.button": "Elegir una nueva contraseña",
  "reset.linkExpiry": "El enlace funciona una sola vez y caduca en {minutes} minutos.",
  "reset.codeIntro": "O introduce este código en la página de restablecimiento:",
  "reset.codeExpiry": "El código caduca en {codeMinutes} minutos.",
  "reset.ignore": "Si no lo has solicitado, puedes ignorar este correo: tu contraseña no cambiará.",
  "admin.subject": "Establece una nueva contraseña para {product}",
  "admin.intro": "Un administrador de {product} te pide que elijas una nueva contraseña para tu cuenta.",
  "admin.button": "Elegir una nueva contraseña",
  "admin.linkExpiry": "El enlace funciona una sola vez y caduca en {hours} horas.",
  "admin.ignore": "Si no esperabas este correo, contacta con soporte antes de usar el enlace.",
  "changed.subject": "Se ha cambiado tu contraseña de {product}",
  "changed.intro": "La contraseña de tu cuenta de {product} se cambió el {when}.",
  "changed.where": "Origen aproximado de la solicitud: {where}.",
  "changed.sessions": "Por tu seguridad, se ha cerrado la sesión en todos los dispositivos conectados.",
  "changed.notYou": "Si no fuiste tú, es posible que otra persona conozca tu contraseña: restablécela de inmediato con el botón de abajo y revisa tu cuenta.",
  "changed.button": "Restablecer mi contraseña",
  linkFallback: "Si el botón no funciona, copia esta dirección en tu navegador:",
  support: "¿Necesitas ayuda? Contacta con soporte:",
  footer: "Este correo lo ha enviado {product}. Lo recibes por una acción en tu cuenta.",
};
