import type { Messages } from "./en";

/** Spanish messages (informal "tú", as consumer products in Spain and Latin America mostly write). */
export const es: Messages = {
  greeting: "Hola:",
  greetingName: "Hola, {name}:",
  "reset.subject": "Restablece tu contraseña de {product}",
  "reset.intro": "Hemos recibido una solicitud para restablecer la contraseña de tu cuenta de {product}.",
  "reset.button": "Elegir una nueva contraseña",
  "reset.linkExpiry": "El enlace solo se puede usar una vez y caduca en {minutes} minutos.",
  "reset.codeIntro": "O introduce este código en la página de restablecimiento:",
  "reset.codeExpiry": "El código caduca en {codeMinutes} minutos.",
  "reset.ignore": "Si no lo has solicitado, puedes ignorar este correo: tu contraseña no cambiará.",
  "admin.subject": "Establece una nueva contraseña para {product}",
  "admin.intro": "Un administrador de {product} te pide que elijas una nueva contraseña para tu cuenta.",
  "admin.button": "Elegir una nueva contraseña",
  "admin.linkExpiry": "El enlace solo se puede usar una vez y caduca en {hours} horas.",
  "admin.ignore": "Si no esperabas este correo, ponte en contacto con el servicio de asistencia antes de usar el enlace.",
  "changed.subject": "Se ha cambiado tu contraseña de {product}",
  "changed.intro": "La contraseña de tu cuenta de {product} se cambió el {when}.",
  "changed.where": "Solicitud desde: {where}.",
  "changed.sessions": "Por tu seguridad, hemos cerrado la sesión en todos los dispositivos en los que estaba iniciada.",
  "changed.notYou": "Si no has sido tú, restablece tu contraseña de inmediato y ponte en contacto con el servicio de asistencia: {support}",
  footer: "Este correo te lo ha enviado {product}. Lo recibes por una acción realizada en tu cuenta.",
};
