"""The people of the sample exam office, with their roles (for every occasion)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.domain import Role
from store import staff

STAFF = [
    ("staff-coordinator-1", "Cecilia Lind", False, [Role.COORDINATOR]),
    ("staff-planner-1", "Per Nyberg", False, [Role.PLANNER]),
    ("staff-examiner-1", "Eva Holm", False, [Role.EXAMINER, Role.GRADER]),
    ("staff-grader-1", "Gustav Berg", False, [Role.GRADER]),
    ("staff-grader-ext-1", "Greta Dahl", True, [Role.GRADER]),
    ("staff-appeal-1", "Arne Vik", False, [Role.APPEAL_GRADER]),
    ("staff-appeal-ext-1", "Astrid Moe", True, [Role.APPEAL_GRADER]),
    ("staff-appeal-2", "Nils Aas", False, [Role.APPEAL_GRADER]),
    ("staff-appeal-ext-2", "Ingrid Lie", True, [Role.APPEAL_GRADER]),
    ("staff-invigilator-1", "Olle Lundqvist", False, [Role.INVIGILATOR]),
    ("staff-invigilator-2", "Maja Ek", False, [Role.INVIGILATOR]),
    ("staff-invigilator-3", "Sven Åkesson", False, [Role.INVIGILATOR]),
    ("staff-it-1", "Tove Strand", False, [Role.IT_SUPPORT]),
    ("staff-course-1", "Karin Ek", False, [Role.COURSE_RESPONSIBLE]),
    ("staff-programme-1", "Lars Strand", False, [Role.PROGRAMME_DIRECTOR]),
    ("staff-vicerector-1", "Maria Sand", False, [Role.VICE_RECTOR]),
    ("staff-admin-1", "Hilde Rønning", False, [Role.ADMINISTRATOR]),
    ("staff-hr-1", "Lars Solberg", False, [Role.HR]),
]


def seed_staff(session: Session) -> int:
    for staff_id, name, external, roles in STAFF:
        email = f"{staff_id}@examflow.local"
        staff.add_staff(
            session,
            staff_id=staff_id,
            name=name,
            email=email,
            external=external,
            roles={role: "" for role in roles},
        )
    return len(STAFF)
