"""French texts of the error pages the authorization app shows to Modelabs staff.

Each problem has a stable key (used in tests and logs), an HTTP status, a title, what happened and
what to do. Amazon's own codes (MD1000, MD5101, access_denied, invalid_grant, …) map to the same
catalogue, so whatever comes back from the consent page or LWA gets a page that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    key: str
    status: int
    title: str
    explanation: str
    action: str


_RESTART = "Recommencez depuis la page d'accueil : un nouveau lien vous sera donné."

PROBLEMS: dict[str, Problem] = {
    p.key: p
    for p in (
        Problem(
            "state_missing",
            400,
            "Lien d'autorisation incomplet",
            "Amazon nous a renvoyé vers cette page sans le jeton de sécurité (« state ») qui identifie "
            "votre demande. Rien n'a été enregistré.",
            _RESTART,
        ),
        Problem(
            "state_forged",
            400,
            "Lien d'autorisation non reconnu",
            "Ce lien de retour ne correspond à aucune demande faite depuis ce navigateur. Il a peut-être "
            "été ouvert dans un autre navigateur, ou falsifié. Par sécurité, rien n'a été enregistré.",
            "Recommencez depuis la page d'accueil, dans le même navigateur du début à la fin.",
        ),
        Problem(
            "state_replayed",
            400,
            "Lien d'autorisation déjà utilisé",
            "Ce lien de retour a déjà servi une fois. Chaque lien n'est valable qu'une seule fois ; "
            "rien n'a été enregistré cette fois-ci.",
            "Si votre compte apparaît déjà comme connecté, vous n'avez rien à faire. Sinon, recommencez depuis "
            "la page d'accueil : un nouveau lien vous sera donné.",
        ),
        Problem(
            "state_expired",
            400,
            "Délai dépassé",
            "Plus de 10 minutes se sont écoulées entre le début de la connexion et le retour d'Amazon. "
            "Par sécurité, la demande a expiré et rien n'a été enregistré.",
            _RESTART,
        ),
        Problem(
            "access_denied",
            403,
            "Autorisation refusée",
            "Vous avez refusé d'autoriser l'application Product-Live sur la page d'Amazon. "
            "Aucun accès n'a été accordé et rien n'a été enregistré.",
            "Si c'était une erreur, recommencez depuis la page d'accueil et cliquez sur « Autoriser » "
            "sur la page d'Amazon.",
        ),
        Problem(
            "MD1000",
            400,
            "Application encore en brouillon (erreur Amazon MD1000)",
            "Amazon refuse l'autorisation car l'application Product-Live est encore à l'état de brouillon "
            "(« Draft ») et le lien ne portait pas le paramètre version=beta.",
            "L'administrateur doit soit publier l'application dans le Developer Central d'Amazon, soit "
            "activer le mode brouillon (PL_AMAZON_DRAFT_APP=1) puis relancer le service. "
            "Recommencez ensuite depuis la page d'accueil.",
        ),
        Problem(
            "MD5101",
            400,
            "Adresse de retour non enregistrée (erreur Amazon MD5101)",
            "Amazon refuse de renvoyer vers l'adresse de retour (« redirect URI ») configurée, car elle ne "
            "figure pas parmi les adresses enregistrées pour l'application. Rien n'a été enregistré.",
            "L'administrateur doit faire correspondre PL_AMAZON_REDIRECT_URI, caractère pour caractère, "
            "à une « OAuth Redirect URI » enregistrée dans le Developer Central d'Amazon.",
        ),
        Problem(
            "missing_code",
            400,
            "Code d'autorisation absent",
            "Amazon nous a renvoyé vers cette page sans code d'autorisation. Rien n'a été enregistré.",
            _RESTART,
        ),
        Problem(
            "invalid_grant",
            400,
            "Code d'autorisation refusé par Amazon",
            "Amazon n'a pas accepté le code d'autorisation. Un code n'est valable que 5 minutes et une "
            "seule fois ; il est aussi refusé si l'adresse de retour ne correspond pas exactement à "
            "celle enregistrée pour l'application. Rien n'a été enregistré.",
            "Recommencez depuis la page d'accueil sans attendre. Si l'erreur persiste, l'administrateur "
            "doit vérifier PL_AMAZON_REDIRECT_URI.",
        ),
        Problem(
            "invalid_client",
            502,
            "Identifiants de l'application refusés",
            "Login with Amazon ne reconnaît pas l'identifiant ou le secret client de l'application "
            "Product-Live (le secret expire tous les 180 jours). Rien n'a été enregistré.",
            "L'administrateur doit renouveler PL_AMAZON_CLIENT_ID / PL_AMAZON_CLIENT_SECRET dans le "
            "Developer Central d'Amazon, puis vous pourrez recommencer.",
        ),
        Problem(
            "unreachable",
            502,
            "Amazon ne répond pas",
            "Le service Login with Amazon n'a pas pu être joint pour valider le code. Rien n'a été enregistré.",
            "Réessayez dans quelques minutes depuis la page d'accueil.",
        ),
        Problem(
            "amazon_error",
            502,
            "Erreur renvoyée par Amazon",
            "Amazon a signalé une erreur pendant l'autorisation. Rien n'a été enregistré.",
            "Recommencez depuis la page d'accueil ; si l'erreur persiste, transmettez le code d'erreur "
            "ci-dessous à l'administrateur.",
        ),
        Problem(
            "pending_expired",
            400,
            "Étape de confirmation expirée",
            "La confirmation du code fournisseur n'est plus valable (délai dépassé, ou formulaire déjà "
            "envoyé). Rien n'a été enregistré.",
            _RESTART,
        ),
        Problem(
            "partner_bound",
            409,
            "Code fournisseur déjà associé à un autre compte",
            "Ce code fournisseur est déjà relié à un autre compte vendeur Amazon : il n'a pas été remplacé, "
            "pour qu'une faute de frappe ou le code d'un tiers ne détourne pas les publications. Rien n'a été "
            "enregistré.",
            "Vérifiez le code fournisseur. S'il est bien le vôtre, l'administrateur doit d'abord révoquer "
            "l'autorisation existante avec la commande « pl-amazon authorize revoke CODE » (CODE étant le code "
            "fournisseur), puis recommencez depuis la page d'accueil.",
        ),
        Problem(
            "not_found",
            404,
            "Page introuvable",
            "Cette adresse ne correspond à aucune page de ce service.",
            "Retournez à la page d'accueil.",
        ),
    )
}


def problem_for_amazon_error(code: str) -> Problem:
    """The page for an error code from the consent page redirect or LWA."""
    normalized = code.strip()
    if normalized.upper() in {"MD1000", "MD5101"}:
        return PROBLEMS[normalized.upper()]
    if normalized.lower() in {"access_denied", "user_denied", "denied"}:
        return PROBLEMS["access_denied"]
    if normalized in {"invalid_grant", "invalid_client", "unreachable"}:
        return PROBLEMS[normalized]
    return PROBLEMS["amazon_error"]
