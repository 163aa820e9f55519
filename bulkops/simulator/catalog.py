"""Fixed, ordered name catalogues for the seeded org.

The lists are fixed (never shuffled) so that "the first M skills" means the same
names for every seed: job specs and tests can name skills, languages, queues and
divisions without knowing the seed. Only *which user gets what* depends on the seed.
"""

from __future__ import annotations

SKILL_NAMES: tuple[str, ...] = (
    "Billing",
    "Technical Support",
    "Sales",
    "Retention",
    "Spanish Support",
    "French Support",
    "German Support",
    "Account Management",
    "Collections",
    "Complaints",
    "Escalations",
    "Onboarding",
    "Returns",
    "Refunds",
    "Shipping",
    "Order Status",
    "Warranty Claims",
    "Fraud Prevention",
    "Identity Verification",
    "Password Reset",
    "Internet Troubleshooting",
    "Mobile Devices",
    "Router Setup",
    "TV Services",
    "Landline",
    "Business Accounts",
    "VIP Customers",
    "Small Business",
    "Enterprise Sales",
    "Upsell",
    "Cross-sell",
    "Renewals",
    "Cancellations",
    "Payment Plans",
    "Credit Card Disputes",
    "Insurance Claims",
    "Appointments",
    "Scheduling",
    "Email Support",
    "Chat Support",
    "Social Media",
    "SMS Support",
    "Outbound Campaigns",
    "Surveys",
    "Quality Assurance",
    "Training",
    "Workforce Management",
    "Product Information",
    "Pricing",
    "Promotions",
    "Loyalty Program",
    "Accessibility",
    "Hardware Repair",
    "Software Licensing",
    "Cloud Services",
    "Security Incidents",
    "Data Privacy",
    "Regulatory Compliance",
    "Portuguese Support",
    "Italian Support",
    "Dutch Support",
    "Japanese Support",
    "Chinese Support",
    "After Hours",
)

LANGUAGE_NAMES: tuple[str, ...] = (
    "English",
    "Spanish",
    "French",
    "German",
    "Portuguese",
    "Italian",
    "Dutch",
    "Japanese",
    "Mandarin",
    "Cantonese",
    "Korean",
    "Arabic",
    "Hindi",
    "Russian",
    "Polish",
    "Swedish",
    "Norwegian",
    "Danish",
    "Finnish",
    "Turkish",
)

QUEUE_NAMES: tuple[str, ...] = (
    "Support EN",
    "Billing",
    "Sales",
    "Retention",
    "Support ES",
    "Support FR",
    "Support DE",
    "Technical Support Tier 2",
    "VIP",
    "Collections",
    "Complaints",
    "Returns",
    "Business Accounts",
    "Chat",
    "Email",
    "Social Media",
    "After Hours",
    "Outbound",
    "Escalations",
    "Onboarding",
)

#: The first division is always the home division (``homeDivision: true``).
DIVISION_NAMES: tuple[str, ...] = (
    "Home",
    "North America",
    "EMEA",
    "APAC",
    "LATAM",
    "Outsourcer A",
    "Outsourcer B",
    "Back Office",
)

FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
    "Mia", "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail",
    "Alexander", "Emily", "Mateo", "Sofia", "Daniel", "Camila", "Jackson", "Aria", "Sebastian",
    "Scarlett", "Aiden", "Layla", "Samuel", "Chloe", "David", "Priya", "Wei", "Fatima", "Kenji",
    "Aisha", "Diego", "Lucia", "Omar", "Ingrid", "Lars", "Chiara", "Marco", "Yuki", "Hana",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Nguyen", "Patel", "Kim", "Chen", "Muller", "Schmidt", "Rossi", "Dubois", "Silva",
    "Kowalski", "Johansson", "Tanaka", "Okafor", "Haddad",
)

DEPARTMENTS: tuple[str, ...] = (
    "Customer Care",
    "Technical Support",
    "Sales",
    "Billing & Collections",
    "Retention",
    "Customer Experience",
    "Quality & Training",
    "Back Office",
)

TITLES: tuple[str, ...] = (
    "Customer Service Representative",
    "Senior Customer Service Representative",
    "Technical Support Specialist",
    "Sales Agent",
    "Billing Specialist",
    "Retention Specialist",
    "Customer Success Associate",
    "Quality Analyst",
)

LEAD_TITLES: tuple[str, ...] = ("Team Lead", "Supervisor", "Contact Centre Manager")


def take(names: tuple[str, ...], count: int, overflow: str) -> list[str]:
    """The first ``count`` names; past the list, ``overflow`` formatted with 1-based n.

    ``take(SKILL_NAMES, 70, "Skill {:03d}")`` ends with "Skill 065" ... "Skill 070".
    """
    out = list(names[:count])
    out.extend(overflow.format(n) for n in range(len(out) + 1, count + 1))
    return out
