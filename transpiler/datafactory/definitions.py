"""The custom tasks this project declares in a Product-Live account (`POST /v1/data_factory/tasks`).

Their fields are Conductor task-definition fields, read by Data Factory:

- `retryCount`: a FAILED or timed-out execution is run again that many times (after
  `retryDelaySeconds`). A publication retried after a crash resumes from the journal, so a retry
  never sends an item twice.
- `responseTimeoutSeconds`: an execution not reported within this time is considered lost (the
  worker died) and retried. The worker reports once, at the end (a Conductor IN_PROGRESS update
  puts the execution back in the queue), so this is also the longest an execution may run; it is
  how long Data Factory waits before retrying the execution of a killed worker.
- `concurrentExecLimit` = 1 where one seller must not be worked on twice at once: Data Factory
  then hands out one execution of the task at a time, whatever the number of workers. The worker
  also takes a per-seller lock (see `context`), for several accounts or tasks on one seller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PULL_STRUCTURE = "amazon-pull-structure"
PUBLISH = "amazon-publish"
RECONCILE = "amazon-reconcile"


@dataclass(frozen=True)
class TaskDefinition:
    key: str
    description: str
    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]
    timeout_seconds: int
    retry_count: int = 2
    retry_delay_seconds: int = 60
    concurrent_exec_limit: int = 1

    def body(self) -> dict[str, Any]:
        """The JSON of `POST /v1/data_factory/tasks`."""
        return {
            "key": self.key,
            "description": self.description,
            "retryCount": self.retry_count,
            "timeoutSeconds": self.timeout_seconds,
            "timeoutPolicy": "RETRY",
            "retryLogic": "FIXED",
            "retryDelaySeconds": self.retry_delay_seconds,
            "responseTimeoutSeconds": self.timeout_seconds,
            "concurrentExecLimit": self.concurrent_exec_limit,
            "inputKeys": [{"key": k, "description": d} for k, d in self.inputs],
            "outputKeys": [{"key": k, "description": d} for k, d in self.outputs],
        }

    def differs_from(self, declared: dict[str, Any]) -> bool:
        """True when the account's definition lacks or changes one of the fields set here."""
        mine = self.body()
        for name, value in mine.items():
            theirs = declared.get(name)
            if name in ("inputKeys", "outputKeys"):
                theirs = [{"key": k.get("key"), "description": k.get("description", "")}
                          for k in theirs or [] if isinstance(k, dict)]
            if theirs != value:
                return True
        return False


_PARTNER = ("partner", "Code fournisseur Amazon pour lequel agir (facultatif : celui du connecteur par défaut).")

TASKS: tuple[TaskDefinition, ...] = (
    TaskDefinition(
        PULL_STRUCTURE,
        "Amazon : récupère les définitions de types de produits (France, fr_FR) et produit la structure de la "
        "table Product-Live et le rapport des changements.",
        inputs=(
            ("productTypes", "Types de produits à récupérer, séparés par des virgules ; « tracked » ou vide : les "
                             "types déjà suivis."),
            ("keywords", "Mots-clés : récupérer les types de produits qu'Amazon trouve pour ces mots."),
            _PARTNER,
        ),
        outputs=(
            ("file", "Structure de la table (XML pour table-import-schema)."),
            ("report", "Rapport des changements par type de produit (JSON)."),
            ("counts", "Nombre de types nouveaux, modifiés et inchangés."),
            ("message", "Résumé en français."),
        ),
        timeout_seconds=3600,
    ),
    TaskDefinition(
        PUBLISH,
        "Amazon : publie un export d'articles Product-Live sur Amazon (Vendor Central France) et produit "
        "l'accusé de réception de chaque article.",
        inputs=(
            ("file", "Export d'articles de la table (table-export-items)."),
            ("mode", "auto, create (fiche complète) ou enrich (ASIN existant)."),
            ("via", "auto, listings (article par article) ou feed (flux en lot)."),
            ("preview", "true : Amazon vérifie sans rien enregistrer."),
            _PARTNER,
        ),
        outputs=(
            ("file", "Accusés de réception (XML pour table-import-items)."),
            ("report", "Rapport détaillé (JSON)."),
            ("counts", "Nombre d'articles par statut."),
            ("message", "Résumé en français."),
        ),
        timeout_seconds=7200,
    ),
    TaskDefinition(
        RECONCILE,
        "Amazon : relit l'état des articles publiés (ASIN, problèmes signalés après acceptation) et produit les "
        "accusés de ce qui a changé.",
        inputs=(_PARTNER,),
        outputs=(
            ("file", "Accusés de ce qui a changé chez Amazon (XML pour table-import-items)."),
            ("report", "Rapport détaillé (JSON)."),
            ("counts", "Nombre d'articles relus et modifiés."),
            ("message", "Résumé en français."),
        ),
        timeout_seconds=3600,
    ),
)

BY_KEY = {task.key: task for task in TASKS}
